using System.Management.Automation;
using DiskTools.Host.Progress;
using Xunit;

namespace DiskTools.Module.Tests.Launcher;

public sealed class ProgressRendererTests
{
    [Fact]
    public void One_line_per_activity_with_bar_percent_status_and_time_left()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Scanning /data", "412 files") { PercentComplete = 50, SecondsRemaining = 75, CurrentOperation = "/data/a" });

        string line = Assert.Single(renderer.Render(120));

        Assert.StartsWith("[", line, StringComparison.Ordinal);
        Assert.Contains("]  50% Scanning /data: 412 files (1m15s left)  /data/a", line, StringComparison.Ordinal);
        int bar = line.IndexOf(']', StringComparison.Ordinal) - 1;
        int filled = line[1..(bar + 1)].Count(c => c == '#');
        Assert.Equal(bar / 2, filled);
    }

    [Fact]
    public void Activity_without_percent_has_no_bar()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Connecting", "host-a"));

        Assert.Equal("Connecting: host-a", Assert.Single(renderer.Render(80)));
    }

    [Fact]
    public void Nested_activities_are_indented_under_their_parent_in_arrival_order()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Sync", "s"));
        renderer.Update(1, new ProgressRecord(5, "Other", "o"));
        renderer.Update(1, new ProgressRecord(2, "Copy", "c") { ParentActivityId = 1 });
        renderer.Update(1, new ProgressRecord(3, "Hash", "h") { ParentActivityId = 2 });

        Assert.Equal(["Sync: s", "  Copy: c", "    Hash: h", "Other: o"], renderer.Render(80));
    }

    [Fact]
    public void Updates_replace_the_line_in_place()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Sync", "first"));
        renderer.Update(1, new ProgressRecord(1, "Sync", "second"));

        Assert.Equal(["Sync: second"], renderer.Render(80));
    }

    [Fact]
    public void Completed_removes_the_activity_and_everything_nested_in_it()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Sync", "s"));
        renderer.Update(1, new ProgressRecord(2, "Copy", "c") { ParentActivityId = 1 });
        renderer.Update(1, new ProgressRecord(3, "Other", "o"));

        renderer.Update(1, new ProgressRecord(1, "Sync", "s") { RecordType = ProgressRecordType.Completed });

        Assert.Equal(["Other: o"], renderer.Render(80));
        renderer.Update(1, new ProgressRecord(3, "Other", "o") { RecordType = ProgressRecordType.Completed });
        Assert.Empty(renderer.Render(80));
        Assert.False(renderer.HasActivities);
    }

    [Fact]
    public void Same_activity_id_from_different_sources_are_different_activities()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "From one", "a"));
        renderer.Update(2, new ProgressRecord(1, "From two", "b"));
        renderer.Update(2, new ProgressRecord(2, "Child of two", "c") { ParentActivityId = 1 });

        Assert.Equal(["From one: a", "From two: b", "  Child of two: c"], renderer.Render(80));
    }

    [Fact]
    public void Child_of_an_unknown_parent_is_shown_as_a_root()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(2, "Orphan", "x") { ParentActivityId = 9 });
        renderer.Update(1, new ProgressRecord(3, "Root", "y"));

        Assert.Equal(["Orphan: x", "Root: y"], renderer.Render(80));

        // When the parent turns up later, the child moves under it.
        renderer.Update(1, new ProgressRecord(9, "Parent", "p"));
        Assert.Equal(["Root: y", "Parent: p", "  Orphan: x"], renderer.Render(80));
    }

    [Fact]
    public void Lines_never_reach_the_last_column_and_control_characters_are_flattened()
    {
        ProgressRenderer renderer = new();
        renderer.Update(1, new ProgressRecord(1, "Scanning", new string('x', 200) + "\n\u001b[31m") { PercentComplete = 10 });
        renderer.Update(1, new ProgressRecord(2, "Inner", "status\twith tab") { ParentActivityId = 1 });

        IReadOnlyList<string> lines = renderer.Render(40);

        Assert.All(lines, l => Assert.True(l.Length <= 39, $"'{l}' is {l.Length} long"));
        Assert.EndsWith("…", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("[", lines[0], StringComparison.Ordinal);
        Assert.Equal("  Inner: status with tab", lines[1]);
        Assert.All(lines, l => Assert.DoesNotContain(l, char.IsControl));
    }
}
