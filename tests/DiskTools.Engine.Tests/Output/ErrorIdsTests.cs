using System.Reflection;
using System.Text.RegularExpressions;
using DiskTools.Engine.Output;
using Xunit;

namespace DiskTools.Engine.Tests.Output;

/// <summary>The one catalogue of error ids: every id distinct, well-formed and named by its own value.</summary>
public sealed class ErrorIdsTests
{
    private static readonly FieldInfo[] Ids = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static);

    [Fact]
    public void Holds_only_string_constants()
    {
        Assert.NotEmpty(Ids);
        Assert.All(Ids, field => Assert.True(field.IsLiteral && field.FieldType == typeof(string), $"{field.Name} is not a const string."));
    }

    [Fact]
    public void Every_id_is_named_by_its_value()
    {
        Assert.All(Ids, field => Assert.Equal(field.Name, (string?)field.GetRawConstantValue()));
    }

    [Fact]
    public void Every_id_is_a_non_empty_pascal_case_word()
    {
        // Ids become the first part of FullyQualifiedErrorId: letters (and a digit, as in Utf8), no separators.
        Assert.All(Ids, field => Assert.Matches("^[A-Z][A-Za-z0-9]*$", (string)field.GetRawConstantValue()!));
    }

    [Fact]
    public void No_two_ids_share_a_value()
    {
        string[] repeated = [.. Ids.Select(f => (string)f.GetRawConstantValue()!).GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key)];
        Assert.Empty(repeated);
    }

    [Fact]
    public void The_help_lists_only_ids_the_catalogue_has()
    {
        // The help's "Error ids:" lists are what scripts are written against: an id there that nothing raises
        // is a catch that never fires. Words in parentheses are explanations; an id is a word of two or more
        // capitalised parts.
        HashSet<string> known = [.. Ids.Select(f => (string)f.GetRawConstantValue()!)];
        var listed = new List<string>();
        foreach (string page in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "docs", "en-US"), "*.md"))
        {
            foreach (string line in File.ReadLines(page))
            {
                Match list = Regex.Match(line, "(?:Error ids|stable ErrorIds):(.*)$");
                if (list.Success)
                {
                    string names = Regex.Replace(list.Groups[1].Value, @"\([^)]*\)", "");
                    listed.AddRange(Regex.Matches(names, @"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b").Select(m => $"{Path.GetFileName(page)}: {m.Value}"));
                }
            }
        }

        Assert.NotEmpty(listed);
        string[] unknown = [.. listed.Where(entry => !known.Contains(entry[(entry.IndexOf(": ", StringComparison.Ordinal) + 2)..]))];
        Assert.True(unknown.Length == 0, "Ids the help lists that nothing raises:\n" + string.Join("\n", unknown));
    }

    private static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DiskTools.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("DiskTools.sln not found above " + AppContext.BaseDirectory);
        }

        return root;
    }
}
