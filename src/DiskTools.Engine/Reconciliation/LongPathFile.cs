using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Opens a file for reading even when its path is longer than PATH_MAX (4096 bytes), which the tree walker
/// reaches by walking relative to directory descriptors: the path is opened one slice of directories at a
/// time with openat, each slice well under the limit.
/// </summary>
internal static unsafe partial class LongPathFile
{
    private const int PathLimit = 3800;
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int ONoFollow = 0x20000;
    private const int OCloExec = 0x80000;
    private const int AtFdCwd = -100;

    public static SafeFileHandle OpenRead(string fullPath)
    {
        if (Encoding.UTF8.GetByteCount(fullPath) < PathLimit)
        {
            return File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }

        string[] parts = fullPath.Split('/');
        int dir = AtFdCwd;
        try
        {
            var slice = new StringBuilder(fullPath.StartsWith('/') ? "/" : string.Empty);
            for (int i = fullPath.StartsWith('/') ? 1 : 0; i < parts.Length - 1; i++)
            {
                if (slice.Length > 0 && Encoding.UTF8.GetByteCount(slice.ToString()) + parts[i].Length * 4 + 1 >= PathLimit)
                {
                    dir = Step(dir, slice.ToString(), ODirectory);
                    slice.Clear();
                }

                slice.Append(slice.Length == 0 || slice[^1] == '/' ? string.Empty : "/").Append(parts[i]);
            }

            if (slice.Length > 0)
            {
                dir = Step(dir, slice.ToString(), ODirectory);
            }

            int fd = OpenAt(dir, parts[^1], ORdOnly | ONoFollow | OCloExec);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (dir != AtFdCwd)
            {
                Close(dir);
            }
        }
    }

    private static int Step(int dir, string relative, int flags)
    {
        int next = OpenAt(dir, relative, ORdOnly | flags | OCloExec);
        if (dir != AtFdCwd)
        {
            Close(dir);
        }

        return next;
    }

    private static int OpenAt(int dir, string path, int flags)
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes(path), 0];
        int fd;
        fixed (byte* p = bytes)
        {
            fd = OpenAtNative(dir, p, flags, 0);
        }

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 or 20 => new FileNotFoundException($"'{path}' does not exist (errno {errno})."),
                13 or 1 => new UnauthorizedAccessException($"Access to '{path}' is denied."),
                _ => new IOException($"openat failed with errno {errno}."),
            };
        }

        return fd;
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtNative(int dirfd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
