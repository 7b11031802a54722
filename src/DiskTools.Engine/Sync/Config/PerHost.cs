using DiskTools.Engine.Sync.Logging;

namespace DiskTools.Engine.Sync.Config;

/// <summary>A setting that may differ between the source and the target (a path, a mount point).</summary>
public sealed record PerHost<T>(T Source, T Target)
{
    public T For(SyncHost host) => host == SyncHost.Source ? Source : Target;

    public static PerHost<T> Both(T value) => new(value, value);
}
