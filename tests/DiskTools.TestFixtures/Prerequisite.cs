namespace DiskTools.TestFixtures;

/// <summary>
/// What a test needs from the machine. Locally a missing prerequisite skips the test and says why; in CI
/// (CI=true) it fails the test, so nothing is silently skipped there.
/// </summary>
public static class Prerequisite
{
    public static bool InCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>Skips (locally) or fails (in CI) unless <paramref name="available"/>.</summary>
    public static void Require(bool available, string why)
    {
        if (available)
        {
            return;
        }

        if (InCI)
        {
            throw new InvalidOperationException($"Prerequisite missing in CI: {why}");
        }

        throw new Xunit.SkipException($"Skipped: {why}");
    }

    /// <summary>Full path of an executable found on PATH (or the usual sbin folders), or null.</summary>
    public static string? FindExecutable(string name)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        IEnumerable<string> dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/bin"]);
        foreach (string dir in dirs)
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuidNative();

    private static uint GetEuid()
    {
        try
        {
            return GetEuidNative();
        }
        catch (DllNotFoundException)
        {
            return uint.MaxValue;
        }
    }
}
