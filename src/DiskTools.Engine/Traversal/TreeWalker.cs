using DiskTools.Engine.Native;

namespace DiskTools.Engine.Traversal;

/// <summary>
/// The one tree walker of the product. Get-DiskUsage aggregates on it; reconciliation streams it into the
/// inventory. Symlinks are never followed; every directory is reported once, parents before children.
/// </summary>
public static class TreeWalker
{
    /// <summary>The strategy a request really runs with, and why when it differs (recorded in scan sessions).</summary>
    public static (WalkStrategy Effective, string? FallbackReason) Resolve(WalkStrategy requested)
        => requested == WalkStrategy.Parallel && !Libc.IsSupported
            ? (WalkStrategy.Sequential, $"The parallel walker needs Linux; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.")
            : (requested, null);

    /// <summary>
    /// Walks <paramref name="root"/> (an absolute or relative path; not followed when it is a symlink).
    /// Completes when every directory was reported; cancelled (partial) when the token fires; throws
    /// <see cref="WalkRootException"/> when the root cannot be examined at all.
    /// </summary>
    public static Task WalkAsync(string root, WalkOptions options, IWalkObserver observer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        return Resolve(options.Strategy).Effective == WalkStrategy.Parallel
            ? new ParallelWalker(root, options, observer, cancellationToken).RunAsync()
            : new SequentialWalker(root, options, observer, cancellationToken).RunAsync();
    }
}
