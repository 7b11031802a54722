namespace DiskTools.Infrastructure;

/// <summary>Turns engine errors into ErrorRecords with stable ids, precise categories and real targets.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(OperationError error)
    {
        var record = new ErrorRecord(error.Exception, error.ErrorId, Map(error.Kind), error.Target);
        if (error.DisplayMessage is { } shown)
        {
            record.ErrorDetails = new ErrorDetails(shown);
        }

        return record;
    }

    public static ErrorRecord From(Exception exception, string fallbackId, ErrorCategory fallbackCategory, object? target)
        => exception is DiskToolsException known
            ? new ErrorRecord(known, known.ErrorId, Map(known.Kind), known.Target ?? target)
            : new ErrorRecord(exception, fallbackId, fallbackCategory, target);

    public static ErrorCategory Map(ErrorKind kind) => kind switch
    {
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        ErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        ErrorKind.ProtocolError => ErrorCategory.ProtocolError,
        ErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
        _ => ErrorCategory.NotSpecified,
    };
}
