using System.Collections;
using System.Management.Automation.Language;
using DiskTools.Engine.Sync.Jobs;

namespace DiskTools.Commands.Sync;

/// <summary>Completes -Job with the sync jobs DiskTools knows.</summary>
public sealed class SyncJobNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        => SyncJobCatalog.All
            .Where(d => d.Name.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(d => new CompletionResult(d.Name, d.Name, CompletionResultType.ParameterValue, d.Description));
}
