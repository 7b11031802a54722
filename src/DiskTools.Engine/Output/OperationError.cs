namespace DiskTools.Engine.Output;

/// <summary>What kind of failure an error is; the cmdlet layer maps it to a PowerShell error category.</summary>
public enum ErrorKind
{
    NotSpecified,
    ObjectNotFound,
    PermissionDenied,
    ReadError,
    WriteError,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ResourceExists,
    ResourceUnavailable,
    ConnectionError,
    SecurityError,
    NotInstalled,
    OperationTimeout,
    LimitsExceeded,
    OperationStopped,
    ProtocolError,
    AuthenticationError,
}

/// <summary>One failure an operation reports, with a stable identifier and the object it concerns.</summary>
/// <param name="ErrorId">Stable identifier; becomes the first part of FullyQualifiedErrorId.</param>
/// <param name="Kind">Category of the failure.</param>
/// <param name="Target">The real object the failure concerns (usually a path or host).</param>
/// <param name="Exception">The exception carrying the message.</param>
public sealed record OperationError(string ErrorId, ErrorKind Kind, object? Target, Exception Exception)
{
    /// <summary>What to show instead of the exception's message (its text made safe for a terminal); null shows the message.</summary>
    public string? DisplayMessage { get; init; }

    public OperationError(string errorId, ErrorKind kind, object? target, string message)
        : this(errorId, kind, target, new DiskToolsException(errorId, kind, message, target))
    {
    }
}

/// <summary>An exception that knows its stable error identifier, category and target.</summary>
public class DiskToolsException : Exception
{
    public DiskToolsException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    public object? Target { get; }

    public OperationError ToError() => new(ErrorId, Kind, Target, this);
}
