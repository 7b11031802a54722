using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.DiskUsage;

/// <summary>
/// -VerifyParity: after a Parallel scan, re-scans a sample of directories with the Sequential walker and
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
        var sequentialOptions = options with { Strategy = WalkStrategy.Sequential, CountHardLinks = true, Depth = 0, Top = 0, IncludeFiles = false, Timeout = null, VerifyParity = false };
        int mismatches = 0;
        foreach (DirectoryNode node in sample)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = tree.PathOf(node);
            var check = new ScanSession(path, WalkStrategy.Sequential);
            await DiskUsageScanner.ScanAsync(check, sequentialOptions, SilentWriter.Instance, cancellationToken).ConfigureAwait(false);
            long sequentialFiles = check.TotalFiles;
            long sequentialDirs = check.TotalDirectories - 1;
            if (check.TotalBytes != node.AllLinksBlocks || check.TotalApparentBytes != node.AllLinksApparent || sequentialFiles != node.Files || sequentialDirs != node.Directories)
            {
                mismatches++;
                output.WriteWarning(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Parity mismatch at '{path}': Parallel {node.AllLinksBlocks} bytes allocated, {node.AllLinksApparent} apparent, {node.Files} files, {node.Directories} directories; Sequential {check.TotalBytes}, {check.TotalApparentBytes}, {sequentialFiles}, {sequentialDirs}. The tree may have changed during the scan."));
            }
        }

        session.ParityChecked = sample.Count;
        session.ParityMismatches = mismatches;
        output.WriteVerbose($"Parity: {sample.Count} directories re-scanned with Sequential, {mismatches} mismatches.");
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
