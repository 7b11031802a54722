using DiskTools.Engine.Sync.History;
using DiskTools.Engine.Sync.Logging;
using DiskTools.Engine.Sync.Session;

namespace DiskTools.Commands.Sync;

/// <summary>Rebuilds past sync sessions from their log files, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "SyncSession", DefaultParameterSetName = "All")]
[OutputType(typeof(SyncSession))]
public sealed class GetSyncSessionCommand : PSCmdlet
{
    /// <summary>Only the sessions with these ids (8 hex characters).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^[0-9a-fA-F]{8}$")]
    public string[]? SessionId { get; set; }

    /// <summary>Only the N most recent sessions.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    protected override void ProcessRecord()
    {
        string directory = SessionLogLocation.DefaultDirectory;
        int? last = Last > 0 ? Last : null;
        if (SessionId is null)
        {
            foreach (SyncSession session in SessionHistory.Read(directory, last: last))
            {
                WriteObject(session);
            }

            return;
        }

        foreach (string id in SessionId)
        {
            List<SyncSession> found = [.. SessionHistory.Read(directory, id.ToLowerInvariant(), last)];
            if (found.Count == 0)
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No log of sync session '{id}' in {directory}."), ErrorIds.SyncSessionNotFound, ErrorCategory.ObjectNotFound, id));
            }

            foreach (SyncSession session in found)
            {
                WriteObject(session);
            }
        }
    }
}
