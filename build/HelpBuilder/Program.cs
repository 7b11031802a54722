using DiskTools.HelpBuilder;
using DiskTools.HelpBuilder.Markdown;

// Usage: HelpBuilder <docs/en-US> <out/en-US/DiskTools.dll-Help.xml>
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: HelpBuilder <markdown-folder> <maml-file>");
    return 2;
}

try
{
    var commands = HelpFileBuilder.Build(args[0], args[1]);
    Console.Error.WriteLine($"help: {commands.Count} command(s) -> {args[1]}");
    return 0;
}
catch (AggregateException failed) when (failed.InnerExceptions.All(e => e is HelpFormatException))
{
    // file:line: problem — the form editors and CI logs link to.
    foreach (Exception error in failed.InnerExceptions)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }

    return 1;
}
catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
