namespace DiskTools.Engine.Native;

/// <summary>
/// Paths as libc takes them: raw bytes, '/'-separated, NUL-terminated at the call. The one place a byte path
/// is joined, so a root ending in '/' and an empty relative path are handled alike everywhere.
/// </summary>
internal static class NativePath
{
    /// <summary>The UTF-8 bytes of <paramref name="path"/> followed by a NUL.</summary>
    public static byte[] Terminated(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary><paramref name="path"/> followed by a NUL.</summary>
    public static byte[] Terminated(ReadOnlySpan<byte> path)
    {
        var bytes = new byte[path.Length + 1];
        path.CopyTo(bytes);
        return bytes;
    }

    /// <summary>
    /// <paramref name="parent"/> + '/' + <paramref name="child"/>: the child alone under an empty parent, the
    /// parent alone for an empty child, and no second '/' after a parent that ends with one (the root "/").
    /// </summary>
    public static byte[] Join(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> child)
    {
        if (child.IsEmpty)
        {
            return parent.ToArray();
        }

        if (parent.IsEmpty)
        {
            return child.ToArray();
        }

        int slash = parent[^1] == (byte)'/' ? 0 : 1;
        var joined = new byte[parent.Length + slash + child.Length];
        parent.CopyTo(joined);
        if (slash == 1)
        {
            joined[parent.Length] = (byte)'/';
        }

        child.CopyTo(joined.AsSpan(parent.Length + slash));
        return joined;
    }
}
