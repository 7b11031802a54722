using DiskTools.Engine.Sync.Config;

namespace DiskTools.Commands.Sync;

/// <summary>Writes a commented default sync config (every setting with its default and meaning).</summary>
[Cmdlet(VerbsCommon.New, "SyncConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class NewSyncConfigCommand : PSCmdlet
{
    /// <summary>Where to write; default ~/.config/disktools/sync.yaml ($XDG_CONFIG_HOME honoured).</summary>
    [Parameter(Position = 0)]
    [Alias("PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        string path;
        try
        {
            path = Path is null ? SyncConfigLoader.DefaultPath : PathResolver.ResolveLocalFile(this, Path);
        }
        catch (DiskToolsException e)
        {
            WriteError(ErrorRecords.From(e, e.ErrorId, ErrorCategory.InvalidArgument, Path));
            return;
        }

        if (Directory.Exists(path))
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' is a directory; give a file path."), ErrorIds.SyncConfigPathIsDirectory, ErrorCategory.InvalidArgument, path));
        }

        bool exists = File.Exists(path);
        if (exists && !Force)
        {
            WriteError(new ErrorRecord(
                new IOException($"'{path}' already exists; use -Force to overwrite it."), ErrorIds.SyncConfigExists, ErrorCategory.ResourceExists, path));
            return;
        }

        if (!ShouldProcess(path, exists ? "Overwrite with the default sync config" : "Create the default sync config"))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, DefaultSyncConfig.Text.ReplaceLineEndings("\n") + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, ErrorIds.SyncConfigWriteFailed, e is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, path));
            return;
        }

        WriteObject(new FileInfo(path));
    }
}
