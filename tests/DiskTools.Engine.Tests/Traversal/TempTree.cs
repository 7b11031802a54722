using System.Diagnostics;
using System.Text;

namespace DiskTools.Engine.Tests.Traversal;

/// <summary>A scratch directory tree for walker tests, deleted on dispose (even when made unreadable).</summary>
public sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "dt-walk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Dir(string relative) => Directory.CreateDirectory(Path.Combine(Root, relative)).FullName;

    public string File(string relative, int bytes)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    /// <summary>Runs a shell command in the tree (for what .NET cannot express: odd names, sparse files, chmod).</summary>
    public string Sh(string script)
    {
        var start = new ProcessStartInfo("/bin/bash", ["-c", script]) { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{script}' failed ({process.ExitCode}): {error}");
        }

        return output;
    }

    /// <summary>A chain of <paramref name="levels"/> directories named "d" (paths far beyond PATH_MAX), made relative to open fds.</summary>
    public void DeepChain(int levels, string leaf = "")
    {
        const string script = """
            import os, sys
            fd = os.open(sys.argv[1], os.O_RDONLY)
            for _ in range(int(sys.argv[2])):
                os.mkdir('d', dir_fd=fd)
                nfd = os.open('d', os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = nfd
            if sys.argv[3]:
                w = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
                os.write(w, b'x\n')
                os.close(w)
            """;
        Run("python3", "-c", script, Root, levels.ToString(System.Globalization.CultureInfo.InvariantCulture), leaf);
    }

    public static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error}");
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public void Dispose()
    {
        try
        {
            Run("/bin/chmod", "-R", "u+rwx", Root);
            Run("/bin/rm", "-rf", Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
