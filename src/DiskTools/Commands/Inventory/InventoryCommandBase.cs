using DiskTools.Engine.Storage;

namespace DiskTools.Commands.Inventory;

/// <summary>The connection parameters every inventory cmdlet shares.</summary>
public abstract class InventoryCommandBase : AsyncPSCmdlet
{
    /// <summary>Npgsql connection string; defaults to $env:DISKTOOLS_CONNECTION.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>User name and password for the database (instead of a password in the string or ~/.pgpass).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    private InventoryDatabase? database;

    /// <summary>Resolves the database (from -ConnectionString or $env:DISKTOOLS_CONNECTION) for this command.</summary>
    protected InventoryDatabase OpenDatabase()
        => database = InventoryDatabase.Open(ConnectionString, Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential());

    /// <summary>
    /// Database trouble, wherever in an inventory command it surfaced (connecting, or an open connection lost
    /// mid-pass), becomes the one DiskTools error for it: stable id, category, the database as target.
    /// </summary>
    protected sealed override DiskToolsException? Translate(Exception exception)
        => (database is null ? null : DatabaseErrors.Classify(database, exception, connecting: false)) ?? base.Translate(exception);

    /// <summary>
    /// A reported error caused by database trouble keeps its message, and takes the database error's id,
    /// category and target, so scripts can tell a lost server from a bad file.
    /// </summary>
    protected sealed override OperationError Refine(OperationError error)
    {
        if (database is null || error.Exception is DiskToolsException { } own && DatabaseErrors.IsDatabaseError(own))
        {
            return error;
        }

        if (error.Exception.InnerException is not { } cause || DatabaseErrors.Classify(database, cause, connecting: false) is not { } known)
        {
            return error;
        }

        return new OperationError(known.ErrorId, known.Kind, known.Target,
            new DiskToolsException(known.ErrorId, known.Kind, $"{error.Exception.Message} ({known.Message})", known.Target, error.Exception));
    }

    /// <summary>
    /// A root as given (it may no longer exist on disk), made absolute against the current location. A path of
    /// another provider (Env:/HOME) is refused as NotFileSystemPath rather than taken as a relative file name,
    /// and a drive that does not exist is PathNotFound, both with the path as typed as the target.
    /// </summary>
    protected string ResolveRoot(string path)
    {
        try
        {
            return PathResolver.ResolveLocalFile(this, path);
        }
        catch (ProviderNotFoundException e)
        {
            throw new DiskToolsException(ErrorIds.NotFileSystemPath, ErrorKind.InvalidArgument, e.Message, path, e);
        }
        catch (System.Management.Automation.DriveNotFoundException e)
        {
            throw new DiskToolsException(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, e.Message, path, e);
        }
    }

    /// <summary>
    /// An error about one root of a query (not a registered root, not a file-system path): reported on
    /// its own, and the other roots are still queried. Database trouble is not one: it ends the command.
    /// </summary>
    protected static bool IsRootError(DiskToolsException e)
        => (e.Kind == ErrorKind.ObjectNotFound || e.ErrorId == ErrorIds.NotFileSystemPath) && !DatabaseErrors.IsDatabaseError(e);
}
