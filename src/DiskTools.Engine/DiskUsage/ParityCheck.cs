using System.Globalization;
using DiskTools.Engine.Output;
using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// -VerifyParity: after an Optimized scan, re-scans a sample of directories with the Legacy walker and
/// warns about each one whose counts or sizes differ. The comparison counts every hard link (du -l
/// semantics on both sides), so a link attributed outside the sampled subtree cannot cause a false alarm.
/// </summary>
internal static class ParityCheck
{
    private const int SampleSize = 8;

    public static async Task RunAsync(ScanSession session, UsageTree tree, DiskUsageOptions options, IOutputWriter output, CancellationToken cancellationToken)
    {
        DirectoryNode? root = tree.Root;
        if (root is null || root.Kind != EntryKind.Directory)
        {
            return;
        }

        // Spread the sample over the tree (creation order), skip incomplete subtrees and any holding more
        // than a quarter of the files, so the check costs a fraction of the scan.
        var eligible = tree.Nodes.Where(n => n.Depth >= 1 && !n.Incomplete && n.Files <= Math.Max(1000, root.Files / 4)).ToList();
        if (eligible.Count == 0)
        {
            eligible = [root];
        }

        int step = Math.Max(1, eligible.Count / SampleSize);
        var sample = eligible.Where((_, i) => i % step == 0).Take(SampleSize).ToList();
        var legacyOptions = options with { Strategy = WalkStrategy.Legacy, CountHardLinks = true, Depth = 0, Top = 0, IncludeFiles = false, Timeout = null, VerifyParity = false };
        int mismatches = 0;
        foreach (DirectoryNode node in sample)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = tree.PathOf(node);
            var check = new ScanSession(path, WalkStrategy.Legacy);
            await DiskUsageScanner.ScanAsync(check, legacyOptions, SilentWriter.Instance, cancellationToken).ConfigureAwait(false);
            long legacyFiles = check.TotalFiles;
            long legacyDirs = check.TotalDirectories - 1;
            if (check.TotalBytes != node.AllLinksBlocks || check.TotalApparentBytes != node.AllLinksApparent || legacyFiles != node.Files || legacyDirs != node.Directories)
            {
                mismatches++;
                output.WriteWarning(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Parity mismatch at '{path}': Optimized {node.AllLinksBlocks} bytes allocated, {node.AllLinksApparent} apparent, {node.Files} files, {node.Directories} directories; Legacy {check.TotalBytes}, {check.TotalApparentBytes}, {legacyFiles}, {legacyDirs}. The tree may have changed during the scan."));
            }
        }

        session.ParityChecked = sample.Count;
        session.ParityMismatches = mismatches;
        output.WriteVerbose($"Parity: {sample.Count} directories re-scanned with Legacy, {mismatches} mismatches.");
    }

    private sealed class SilentWriter : IOutputWriter
    {
        public static readonly SilentWriter Instance = new();

        public void WriteObject(object item)
        {
        }

        public void WriteError(OperationError error)
        {
        }

        public void WriteWarning(string message)
        {
        }

        public void WriteVerbose(string message)
        {
        }

        public void WriteDebug(string message)
        {
        }

        public void WriteInformation(string message, params string[] tags)
        {
        }

        public void WriteProgress(ProgressInfo progress)
        {
        }

        public bool ShouldProcess(string target, string action) => false;
    }
}
