using System.Text.RegularExpressions;
using DiskTools.Engine.Tests.Support;
using Xunit;

namespace DiskTools.Engine.Tests.Output;

/// <summary>
/// Every error id the sources raise comes from ErrorIds: an inline literal would be an id the catalogue (and
/// anyone reading it for the ids scripts can match on) does not know.
/// </summary>
public sealed class ErrorIdSourceTests
{
    // A PascalCase word in quotes; "ENOENT" in a condition choosing between ids is not one.
    private static readonly Regex IdLiteral = new("\"[A-Z][a-z][A-Za-z0-9]*\"", RegexOptions.CultureInvariant);

    // Where an error id is the first argument: a DiskTools exception or error, or a subclass's base call.
    private static readonly Regex FirstArgumentIsId = new(@"\b(?:new\s+(?:Output\.)?(?:DiskToolsException|OperationError)|:\s*(?:Output\.)?DiskToolsException)\s*\(", RegexOptions.CultureInvariant);

    private static readonly Regex SubclassBaseCall = new(@":\s*base\s*\(", RegexOptions.CultureInvariant);

    private static readonly Regex DerivesFromDiskToolsException = new(@"class\s+\w+\s*(?:\([^)]*\))?\s*:\s*(?:Output\.)?DiskToolsException\b", RegexOptions.CultureInvariant);

    // An ErrorRecord's id is its second argument, after the exception.
    private static readonly Regex NewErrorRecord = new(@"\bnew\s+ErrorRecord\s*\(", RegexOptions.CultureInvariant);

    [Fact]
    public void No_error_id_is_an_inline_literal()
    {
        List<string> inline = [.. SourceFiles().SelectMany(InlineIds)];
        Assert.True(inline.Count == 0, "Error ids written inline instead of as ErrorIds references:\n" + string.Join("\n", inline));
    }

    [Fact]
    public void Finds_an_inline_id_in_each_place_an_id_goes()
    {
        const string text = """
            throw new DiskToolsException("Inline", ErrorKind.ReadError, "message");
            writer.WriteError(new OperationError(ok ? ErrorIds.PathNotFound : "Inline", ErrorKind.ReadError, path, "message"));
            WriteError(new ErrorRecord(new IOException($"'{path}' is {(a ? "x" : "y")}."), "Inline", ErrorCategory.WriteError, path));
            """;
        Assert.Equal(3, InlineIds(("Sample.cs", text)).Count());
        Assert.Empty(InlineIds(("Sample.cs", "throw new DiskToolsException(ErrorIds.PathNotFound, ErrorKind.ReadError, \"Some message\");")));
    }

    private static IEnumerable<string> InlineIds((string Path, string Text) file)
    {
        IEnumerable<(Match Call, int Index)> calls = FirstArgumentIsId.Matches(file.Text).Select(m => (m, 0))
            .Concat(NewErrorRecord.Matches(file.Text).Select(m => (m, 1)));
        if (DerivesFromDiskToolsException.IsMatch(file.Text))
        {
            calls = calls.Concat(SubclassBaseCall.Matches(file.Text).Select(m => (m, 0)));
        }

        foreach ((Match call, int index) in calls)
        {
            IReadOnlyList<string> arguments = CallArguments.Read(file.Text, call.Index + call.Length - 1);
            if (arguments.Count > index && IdLiteral.Match(arguments[index]) is { Success: true } literal)
            {
                int line = file.Text.AsSpan(0, call.Index).Count('\n') + 1;
                yield return $"{file.Path}:{line}: {literal.Value}";
            }
        }
    }

    private static IEnumerable<(string Path, string Text)> SourceFiles()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DiskTools.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("DiskTools.sln not found above " + AppContext.BaseDirectory);
        }

        string src = Path.Combine(root, "src");
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(Path.GetRelativePath(src, path)))
            .Select(path => (Path.GetRelativePath(root, path), File.ReadAllText(path)));
    }

    private static bool IsBuildOutput(string relative)
        => relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");
}
