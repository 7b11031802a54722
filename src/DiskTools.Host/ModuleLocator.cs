namespace DiskTools.Host;

/// <summary>Finds the DiskTools module the launcher imports.</summary>
internal static class ModuleLocator
{
    /// <summary>
    /// $DISKTOOLS_MODULE (a manifest or a module folder) wins; otherwise the newest version folder of the
    /// module laid out next to the launcher by the build (output/DiskTools/&lt;version&gt;/).
    /// </summary>
    public static string FindManifest()
    {
        string? overridePath = Environment.GetEnvironmentVariable("DISKTOOLS_MODULE");
        if (!string.IsNullOrEmpty(overridePath))
        {
            return File.Exists(overridePath) ? Path.GetFullPath(overridePath) : NewestIn(overridePath);
        }

        string exeDir = AppContext.BaseDirectory;
        foreach (string candidate in new[] { Path.Combine(exeDir, "..", "DiskTools"), Path.Combine(exeDir, "DiskTools") })
        {
            if (Directory.Exists(candidate))
            {
                return NewestIn(candidate);
            }
        }

        throw new FileNotFoundException($"DiskTools module not found next to {exeDir}; set DISKTOOLS_MODULE.");
    }

    private static string NewestIn(string moduleRoot)
    {
        string direct = Path.Combine(moduleRoot, "DiskTools.psd1");
        if (File.Exists(direct))
        {
            return Path.GetFullPath(direct);
        }

        string? newest = Directory.EnumerateDirectories(moduleRoot)
            .Select(d => (Dir: d, Ok: Version.TryParse(Path.GetFileName(d), out Version? v), Version: v))
            .Where(x => x.Ok && File.Exists(Path.Combine(x.Dir, "DiskTools.psd1")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
        return newest is null
            ? throw new FileNotFoundException($"No DiskTools.psd1 under {moduleRoot}.")
            : Path.GetFullPath(Path.Combine(newest, "DiskTools.psd1"));
    }
}
