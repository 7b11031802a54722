using DiskTools.Engine.Native;
using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.Reconciliation;

/// <summary>
/// Opens a file for reading even when its path is longer than PATH_MAX (4096 bytes), which the tree walker
/// reaches by walking relative to directory descriptors: the path is opened one slice of directories at a
/// time with openat, each slice well under the limit.
/// </summary>
internal static unsafe class LongPathFile
{
    private const int PathLimit = 3800;
    private const int AtFdCwd = OpenFlags.AtFdCwd;

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
                    dir = Step(dir, slice.ToString(), OpenFlags.Directory);
                    slice.Clear();
                }

                slice.Append(slice.Length == 0 || slice[^1] == '/' ? string.Empty : "/").Append(parts[i]);
            }

            if (slice.Length > 0)
            {
                dir = Step(dir, slice.ToString(), OpenFlags.Directory);
            }

            int fd = OpenAt(dir, parts[^1], OpenFlags.ReadOnly | OpenFlags.NoFollow | OpenFlags.CloseOnExec);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (dir != AtFdCwd)
            {
                Libc.Close(dir);
            }
        }
    }

    private static int Step(int dir, string relative, int flags)
    {
        int next = OpenAt(dir, relative, OpenFlags.ReadOnly | flags | OpenFlags.CloseOnExec);
        if (dir != AtFdCwd)
        {
            Libc.Close(dir);
        }

        return next;
    }

    private static int OpenAt(int dir, string path, int flags)
    {
        int fd;
        fixed (byte* p = NativePath.Terminated(path))
        {
            fd = Libc.OpenAt(dir, p, flags, 0);
        }

        return fd >= 0 ? fd : throw Errno.ToException(Marshal.GetLastPInvokeError(), path, "openat");
    }
}
