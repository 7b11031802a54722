namespace DiskTools.TestFixtures;

/// <summary>
/// A real system user with no privileges and no home, made with useradd for one test and removed with
/// userdel on Dispose (root only): the "other user" of a privilege-boundary test, who plants files and
/// symbolic links where root will look.
/// </summary>
public sealed class UnprivilegedUser : IDisposable
{
    private UnprivilegedUser(string name, uint uid)
    {
        Name = name;
        Uid = uid;
    }

    public string Name { get; }

    public uint Uid { get; }

    public static UnprivilegedUser Create()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "creating a user needs root");
        foreach (string tool in new[] { "useradd", "userdel", "runuser" })
        {
            Prerequisite.Require(Prerequisite.FindExecutable(tool) is not null, $"{tool} not found; install 'passwd' and 'util-linux'");
        }

        string name = "dt" + Guid.NewGuid().ToString("N")[..10];
        ProcessRunner.Run("useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh", name], TimeSpan.FromSeconds(60));
        uint uid = uint.Parse(ProcessRunner.Run("id", "-u", name).StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new UnprivilegedUser(name, uid);
    }

    /// <summary>Runs a POSIX sh script as this user ($1… are <paramref name="arguments"/>); throws when it fails.</summary>
    public ProcessResult Run(string script, params string[] arguments)
        => ProcessRunner.Run("runuser", ["-u", Name, "--", "/bin/sh", "-c", script, "sh", .. arguments], TimeSpan.FromSeconds(60), workingDirectory: "/");

    /// <summary>As <see cref="Run"/>, returning whatever happened.</summary>
    public ProcessResult TryRun(string script, params string[] arguments)
        => ProcessRunner.TryRun("runuser", ["-u", Name, "--", "/bin/sh", "-c", script, "sh", .. arguments], TimeSpan.FromSeconds(60), workingDirectory: "/");

    public void Dispose() => ProcessRunner.TryRun("userdel", ["--force", Name], TimeSpan.FromSeconds(60));
}
