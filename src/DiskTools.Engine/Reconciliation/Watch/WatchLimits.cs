namespace DiskTools.Engine.Reconciliation.Watch;

/// <summary>Turns inotify resource-limit failures into errors that name the sysctl to raise.</summary>
internal static class WatchLimits
{
    /// <summary>The limit error this exception stands for, or null when it is something else.</summary>
    public static DiskToolsException? Classify(Exception e, string root)
    {
        string message = e.Message;
        // .NET reports ENOSPC from inotify_add_watch and EMFILE from inotify_init with these phrases.
        if (message.Contains("inotify watches", StringComparison.OrdinalIgnoreCase) || e.HResult == 28)
        {
            return new DiskToolsException(ErrorIds.InotifyWatchLimitReached, ErrorKind.LimitsExceeded,
                $"Cannot watch all of '{root}': the per-user inotify watch limit is reached (ENOSPC). Raise it, e.g. 'sysctl -w fs.inotify.max_user_watches=1048576' (persist in /etc/sysctl.d/). Until then changes in unwatched directories are picked up by the periodic reconciliation only.",
                root, e);
        }

        if (message.Contains("inotify instances", StringComparison.OrdinalIgnoreCase) || e.HResult == 24)
        {
            return new DiskToolsException(ErrorIds.InotifyInstanceLimitReached, ErrorKind.LimitsExceeded,
                $"Cannot watch '{root}': the per-user inotify instance limit is reached (EMFILE). Raise it, e.g. 'sysctl -w fs.inotify.max_user_instances=1024' (persist in /etc/sysctl.d/), or stop other watchers.",
                root, e);
        }

        return null;
    }
}
