using System.Management.Automation;
using DiskTools.Engine.Storage;
using DiskTools.Infrastructure;

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

    protected InventoryDatabase OpenDatabase()
        => InventoryDatabase.Open(ConnectionString, Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential());

    /// <summary>A root as given (it may no longer exist on disk), made absolute against the current location.</summary>
    protected string ResolveRoot(string path)
        => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
