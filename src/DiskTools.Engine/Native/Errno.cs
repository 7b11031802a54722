namespace DiskTools.Engine.Native;

/// <summary>
/// The one errno mapping: numbers (the same on x86_64 and arm64 Linux) to their symbolic names, to messages and
/// to the .NET exception a caller expects, and the reverse for .NET's own file errors.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EWOULDBLOCK = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
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

    public static string Describe(int errno) => Describe(errno, Name(errno));

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

    /// <summary>The exception .NET's own file APIs would throw for <paramref name="errno"/> from <paramref name="operation"/> on <paramref name="path"/>.</summary>
    public static Exception ToException(int errno, string path, string operation) => errno switch
    {
        ENOENT or ENOTDIR => new FileNotFoundException($"'{path}' does not exist (errno {errno})."),
        EACCES or EPERM => new UnauthorizedAccessException($"Access to '{path}' is denied."),
        _ => new IOException($"{operation} failed with errno {errno}."),
    };

    /// <summary>The errno (and its name) behind an exception from .NET's file APIs, where only the exception is known.</summary>
    public static (int Errno, string Code) FromException(Exception e) => e switch
    {
        UnauthorizedAccessException => (EACCES, "EACCES"),
        PathTooLongException => (ENAMETOOLONG, "ENAMETOOLONG"),
        DirectoryNotFoundException or FileNotFoundException => (ENOENT, "ENOENT"),
        _ when e.HResult is > 0 and < 200 => (e.HResult, Name(e.HResult)),
        _ when e.Message.Contains("name too long", StringComparison.OrdinalIgnoreCase) => (ENAMETOOLONG, "ENAMETOOLONG"),
        _ when e.Message.Contains("symbolic links", StringComparison.OrdinalIgnoreCase) => (ELOOP, "ELOOP"),
        _ when e.Message.Contains("Not a directory", StringComparison.OrdinalIgnoreCase) => (ENOTDIR, "ENOTDIR"),
        _ => (EIO, "EIO"),
    };
}
