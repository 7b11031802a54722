using System.Management.Automation;
using System.Text;
using DiskTools.Module.Tests.Infrastructure;
using Xunit;

namespace DiskTools.Module.Tests.Sync;

/// <summary>
/// Folder paths and host names reach rsync, ssh and the target's shell as exactly what the user wrote:
/// no glob, brace, quote or option interpretation anywhere on either host.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class SyncPathTests(SyncEnvironment env)
{
    /// <summary>Folder names that a shell or rsync would read as something else, and the decoys they would match.</summary>
    private static readonly (string Name, string[] Decoys)[] OddFolders =
    [
        ("Photos [2024]", ["Photos 2", "Photos 0"]),
        ("star*", ["starX", "star-and-more"]),
        ("q?mark", ["q1mark"]),
        ("br{a,b}", ["bra", "brb"]),
        ("it's \"quoted\"", []),
        ("new\nline", ["new"]),
        ("-e leading dash", []),
        ("$HOME and `id` $(id)", []),
        ("back\\slash *", ["back"]),
    ];

    [SkippableFact]
    public void Folder_paths_with_glob_quote_newline_and_dash_characters_mean_exactly_that_folder_on_both_hosts()
    {
        env.Require();
        string srcRoot = Path.Combine(SyncEnvironment.Data(env.Source), "literal");
        string dstRoot = Path.Combine(SyncEnvironment.Data(env.Target), "literal");
        var folders = new StringBuilder();
        for (int i = 0; i < OddFolders.Length; i++)
        {
            (string name, string[] decoys) = OddFolders[i];
            string src = Path.Combine(srcRoot, name);
            string dst = Path.Combine(dstRoot, name);
            Directory.CreateDirectory(src);
            File.WriteAllText(Path.Combine(src, $"new-{i}.txt"), name);
            Directory.CreateDirectory(dst);
            File.WriteAllText(Path.Combine(dst, "stale.txt"), "delete: true removes this");
            foreach (string decoy in decoys)
            {
                Directory.CreateDirectory(Path.Combine(dstRoot, decoy));
                File.WriteAllText(Path.Combine(dstRoot, decoy, "precious.txt"), "must survive");
            }

            folders.Append("    - { source: ").Append(Yaml(src)).Append(", target: ").Append(Yaml(dst)).Append(" }\n");
        }

        string config = env.WriteConfig("sync_jobs: { folder_sync: true }\nfolder_sync:\n  delete: true\n  folders:\n" + folders);

        InvocationResult result = env.Run(config);

        Assert.Empty(result.Errors);
        Assert.Equal("Completed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        for (int i = 0; i < OddFolders.Length; i++)
        {
            (string name, string[] decoys) = OddFolders[i];
            string dst = Path.Combine(dstRoot, name);
            Assert.True(File.Exists(Path.Combine(dst, $"new-{i}.txt")), $"'{name}' did not receive its file; target holds: {Listing(dstRoot)}");
            Assert.False(File.Exists(Path.Combine(dst, "stale.txt")), $"'{name}' kept a file its source lacks");
            foreach (string decoy in decoys)
            {
                Assert.Equal(["precious.txt"], Directory.GetFiles(Path.Combine(dstRoot, decoy)).Select(Path.GetFileName));
            }
        }

        // Nothing was created beside the named folders (a split or expanded name would leave one).
        string[] expected = [.. OddFolders.SelectMany(f => f.Decoys.Prepend(f.Name)).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, Directory.GetFileSystemEntries(dstRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [SkippableTheory]
    [InlineData("-oProxyCommand=touch /tmp/disktools-pwned")]
    [InlineData("-F/dev/null")]
    [InlineData("host name")]
    [InlineData("host\nname")]
    public void A_ComputerName_that_ssh_or_rsync_would_read_as_options_is_refused_before_anything_runs(string computerName)
    {
        env.Require();
        string config = env.WriteConfig("sync_jobs: { dummy_success: true }\ndummy_success: { duration_seconds: 1 }");
        string[] targetSnaps = SyncEnvironment.SnapshotNames(env.Target);

        InvocationResult result = env.Session.Invoke(env.StartScript(), computerName, env.Server.ConfigPath, config);

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("SshHostNameInvalid", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(computerName, error.TargetObject);
        Assert.Equal("Failed", Assert.Single(result.Output).Properties["Status"].Value.ToString());
        Assert.False(File.Exists("/tmp/disktools-pwned"));
        Assert.Equal(targetSnaps, SyncEnvironment.SnapshotNames(env.Target));
    }

    [SkippableFact]
    public void A_ComputerName_starting_with_a_dash_is_refused_by_the_btrfs_cmdlets_too()
    {
        env.Require();
        InvocationResult result = env.Session.Invoke("Get-BtrfsSnapshot -ComputerName $args[0] -SshConfigPath $args[1]", "-oProxyCommand=touch /tmp/disktools-pwned", env.Server.ConfigPath);

        ErrorRecord error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.StartsWith("SshHostNameInvalid", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/disktools-pwned"));
    }

    /// <summary>A YAML double-quoted scalar holding exactly <paramref name="text"/>.</summary>
    internal static string Yaml(string text)
        => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private static string Listing(string root)
        => string.Join(" | ", Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal));
}
