namespace DiskTools.Commands.Inventory;

/// <summary>
/// An inventory cmdlet that works on paths on disk, given as -Path (wildcards expand) or -LiteralPath (taken
/// as typed), in two parameter sets.
/// </summary>
public abstract class InventoryPathCommandBase : InventoryCommandBase
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>
    /// The paths given, absolute. A wildcard that matches nothing is reported (and skipped) here. With
    /// <paramref name="keepMissing"/>, a plain -Path that does not exist now is kept (it resolves as typed),
    /// for a caller that reports what became of it itself.
    /// </summary>
    protected IReadOnlyList<string> ResolvePaths(bool keepMissing = false)
    {
        if (ParameterSetName == LiteralPathSet)
        {
            return PathResolver.Resolve(this, LiteralPath, literal: true, PostError);
        }

        if (!keepMissing)
        {
            return PathResolver.Resolve(this, Path, literal: false, PostError);
        }

        List<string> plain = Path.Where(p => !WildcardPattern.ContainsWildcardCharacters(p)).ToList();
        return [.. PathResolver.Resolve(this, plain, literal: true, PostError), .. PathResolver.Resolve(this, Path.Except(plain), literal: false, PostError)];
    }

    /// <summary>The roots the user approves (ShouldProcess: -WhatIf, -Confirm) for <paramref name="action"/>.</summary>
    protected List<string> Approve(IEnumerable<string> roots, string action)
        => roots.Where(root => ((IOutputWriter)this).ShouldProcess(root, action)).ToList();

    /// <summary>Ends the command before any work when an interval parameter is out of range.</summary>
    protected void RefuseIntervals(string message)
        => ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), ErrorIds.InvalidInterval, ErrorCategory.InvalidArgument, null));
}
