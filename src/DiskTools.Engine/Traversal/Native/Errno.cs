namespace DiskTools.Engine.Traversal.Native;

/// <summary>errno numbers (the same on x86_64 and arm64 Linux) to their symbolic names.</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;

    public static string Name(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        19 => "ENODEV",
        20 => "ENOTDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        40 => "ELOOP",
        61 => "ENODATA",
        75 => "EOVERFLOW",
        95 => "EOPNOTSUPP",
        107 => "ENOTCONN",
        110 => "ETIMEDOUT",
        112 => "EHOSTDOWN",
        113 => "EHOSTUNREACH",
        116 => "ESTALE",
        121 => "EREMOTEIO",
        _ => $"E{errno}",
    };

    public static string Describe(int errno, string code) => code switch
    {
        "EACCES" => "Permission denied (EACCES)",
        "EPERM" => "Operation not permitted (EPERM)",
        "ENOENT" => "No such file or directory (ENOENT)",
        "ENOTDIR" => "Not a directory (ENOTDIR)",
        "ELOOP" => "Too many levels of symbolic links (ELOOP)",
        "ENAMETOOLONG" => "File name too long (ENAMETOOLONG)",
        "EIO" => "Input/output error (EIO)",
        "EMFILE" => "Too many open files (EMFILE)",
        "ESTALE" => "Stale file handle (ESTALE)",
        _ => errno != 0 ? $"{code} (errno {errno})" : code,
    };
}
