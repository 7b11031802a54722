namespace DiskTools.TestFixtures;

/// <summary>Unique, short temp directories for fixtures (short because unix socket paths max out at 107 bytes).</summary>
internal static class FixtureDirectory
{
    public static string Create(string kind, string? parent = null)
    {
        string path = Path.Combine(parent ?? Path.GetTempPath(), $"disktools-{kind}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes the directory unless something is still mounted below it (that would wipe the mounted file system).</summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path) || MountTable.HasMountsBelow(path))
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A process we just killed may still be writing its last log line; one retry is enough.
            Thread.Sleep(100);
            Directory.Delete(path, recursive: true);
        }
    }
}
