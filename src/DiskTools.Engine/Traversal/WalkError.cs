namespace DiskTools.Engine.Traversal;

/// <summary>Whether the walk could go on after an error.</summary>
public enum WalkErrorSeverity
{
    /// <summary>Recoverable: one entry or directory was skipped, the rest was walked.</summary>
    Warning,

    /// <summary>The walk could not continue past this point (e.g. the root itself).</summary>
    Critical,
}

/// <summary>An error met during a walk.</summary>
/// <param name="Path">Display form of the path (invalid UTF-8 escaped as \xNN).</param>
/// <param name="PathBytes">The exact path bytes (root + relative path).</param>
/// <param name="ErrorCode">The errno name: EACCES, ENOENT, ELOOP, ENAMETOOLONG...</param>
/// <param name="Errno">The errno number (0 off Linux, where only the code is known).</param>
/// <param name="Operation">What failed: open, getdents, statx, enumerate.</param>
/// <param name="Severity">Whether the walk went on.</param>
public sealed record WalkError(string Path, byte[] PathBytes, string ErrorCode, int Errno, string Operation, WalkErrorSeverity Severity)
{
    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    public string Message => $"Cannot {Describe(Operation)} '{Path}': {Engine.Native.Errno.Describe(Errno, ErrorCode)}.";

    private static string Describe(string operation) => operation switch
    {
        "open" => "open directory",
        "getdents" => "read directory",
        "statx" => "get the status of",
        _ => operation,
    };

    internal static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>The root of a walk could not be examined at all.</summary>
public sealed class WalkRootException : Output.DiskToolsException
{
    public WalkRootException(string root, string errorCode, int errno)
        : base(
            errorCode == "ENOENT" || errorCode == "ENOTDIR" ? ErrorIds.PathNotFound : errorCode == "EACCES" || errorCode == "EPERM" ? ErrorIds.PermissionDenied : ErrorIds.RootUnreadable,
            errorCode == "ENOENT" || errorCode == "ENOTDIR" ? Output.ErrorKind.ObjectNotFound : errorCode == "EACCES" || errorCode == "EPERM" ? Output.ErrorKind.PermissionDenied : Output.ErrorKind.ReadError,
            $"Cannot scan '{root}': {Engine.Native.Errno.Describe(errno, errorCode)}.",
            root)
    {
        ErrorCode = errorCode;
    }

    public string ErrorCode { get; }
}
