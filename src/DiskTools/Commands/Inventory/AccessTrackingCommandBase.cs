using System.Management.Automation;
using DiskTools.Engine.Storage;
using DiskTools.Infrastructure;

namespace DiskTools.Commands.Inventory;

/// <summary>The inventory connection parameters of the access-tracking cmdlets (Watch-LucidAudit, Import-FileInventory).</summary>
public abstract class AccessTrackingCommandBase : AsyncPSCmdlet
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
}
