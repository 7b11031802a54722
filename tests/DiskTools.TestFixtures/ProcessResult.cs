namespace DiskTools.TestFixtures;

/// <summary>What a finished command produced.</summary>
public sealed record ProcessResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The command as a shell would show it, for messages only (it is never run through a shell).</summary>
    public string CommandLine => ProcessRunner.Describe(FileName, Arguments);
}

/// <summary>A command exited non-zero; the message carries its stderr so the test log explains why.</summary>
public sealed class ProcessFailedException(ProcessResult result)
    : Exception($"'{result.CommandLine}' exited with {result.ExitCode}: {Summarize(result)}")
{
    public ProcessResult Result { get; } = result;

    private static string Summarize(ProcessResult result)
    {
        string text = result.StandardError.Trim();
        if (text.Length == 0)
        {
            text = result.StandardOutput.Trim();
        }

        return text.Length == 0 ? "(no output)" : text;
    }
}
