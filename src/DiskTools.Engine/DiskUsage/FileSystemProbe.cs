using DiskTools.Engine.Native;

namespace DiskTools.Engine.DiskUsage;

/// <summary>statfs of a scan root: which file system it is, how much of it is used, whether the root is its mount point.</summary>
internal static unsafe class FileSystemProbe
{
    public static (FileSystemKind Kind, string Raw, long UsedBytes) Describe(string path)
    {
        if (!Libc.IsSupported)
        {
            try
            {
                var drive = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(path)) ?? path);
                string format = drive.DriveFormat;
                FileSystemKind kind = format.ToUpperInvariant() switch
                {
                    "NTFS" => FileSystemKind.Ntfs,
                    "APFS" => FileSystemKind.Apfs,
                    _ => FileSystemKind.Other,
                };
                return (kind, format, drive.TotalSize - drive.TotalFreeSpace);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return (FileSystemKind.Other, string.Empty, 0);
            }
        }

        StatFsBuffer fs;
        fixed (byte* p = NativePath.Terminated(path))
        {
            if (Libc.StatFs(p, &fs) != 0)
            {
                return (FileSystemKind.Other, string.Empty, 0);
            }
        }

        uint magic = (uint)fs.Type;
        FileSystemKind detected = magic switch
        {
            0xEF53 => FileSystemKind.Ext4,
            0x58465342 => FileSystemKind.Xfs,
            0x9123683E => FileSystemKind.Btrfs,
            0x01021994 => FileSystemKind.Tmpfs,
            0x6969 => FileSystemKind.Nfs,
            0x794C7630 => FileSystemKind.Overlay,
            0x5346544E or 0x7366746E => FileSystemKind.Ntfs,
            _ => FileSystemKind.Other,
        };
        long fragment = fs.FragmentSize > 0 ? fs.FragmentSize : fs.BlockSize;
        long used = (long)(fs.Blocks - fs.BlocksFree) * fragment;
        return (detected, "0x" + magic.ToString("X", System.Globalization.CultureInfo.InvariantCulture), used);
    }

    /// <summary>True when the path is the root of a mounted file system (statx STATX_ATTR_MOUNT_ROOT).</summary>
    public static bool IsMountPoint(string path)
    {
        if (!Libc.IsSupported)
        {
            return false;
        }

        return Statx.OfPath(path, Statx.AtSymlinkNoFollow, 0, out StatxBuffer sx) == 0
            && (sx.AttributesMask & Statx.AttrMountRoot) != 0 && (sx.Attributes & Statx.AttrMountRoot) != 0;
    }
}
