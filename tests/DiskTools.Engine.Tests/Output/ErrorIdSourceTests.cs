using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace DiskTools.Engine.Tests.Output;

/// <summary>
/// Every error id the sources raise comes from ErrorIds: an inline literal would be an id the catalogue (and
/// anyone reading it for the ids scripts can match on) does not know. The sources are read with the C#
/// compiler's own parser, so strings, comments and nested calls are what the compiler says they are.
/// </summary>
public sealed class ErrorIdSourceTests
{
    // A PascalCase word; "ENOENT" in a condition choosing between ids is not one.
    private static readonly Regex IdWord = new("^[A-Z][a-z][A-Za-z0-9]*$", RegexOptions.CultureInvariant);

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
            class Failure : DiskToolsException
            {
                public Failure() : base("Inline", ErrorKind.ReadError, "message") { }
                void Write()
                {
                    throw new DiskToolsException("Inline", ErrorKind.ReadError, "message");
                    writer.WriteError(new Output.OperationError(ok ? ErrorIds.PathNotFound : "Inline", ErrorKind.ReadError, path, "message"));
                    WriteError(new ErrorRecord(new IOException($"'{path}' is {(a ? "x" : "y")}."), "Inline", ErrorCategory.WriteError, path));
                }

                static DiskToolsException Failed(string path) => new("Inline", ErrorKind.ReadError, path);
            }
            }
            sealed class Other(string path) : DiskToolsException("Inline", ErrorKind.ReadError, path);
            """;
        Assert.Equal(6, InlineIds(("Sample.cs", text)).Count());
        Assert.Empty(InlineIds(("Sample.cs", """
            class Quiet { void Write() { throw new DiskToolsException(ErrorIds.PathNotFound, ErrorKind.ReadError, "Some message"); } }
            class Unrelated : Exception { public Unrelated() : base("Message") { } }
            """)));
    }

    private static IEnumerable<string> InlineIds((string Path, string Text) file)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(file.Text).GetRoot();
        foreach (SyntaxNode node in root.DescendantNodes())
        {
            // Where the id goes: the first argument of a DiskTools exception or error (or of a subclass's base
            // call), the second of an ErrorRecord, after its exception.
            (ArgumentListSyntax? arguments, int index) = node switch
            {
                ObjectCreationExpressionSyntax create when Names(create.Type, "DiskToolsException", "OperationError") => (create.ArgumentList, 0),
                ObjectCreationExpressionSyntax create when Names(create.Type, "ErrorRecord") => (create.ArgumentList, 1),
                ImplicitObjectCreationExpressionSyntax create when Names(TargetType(create), "DiskToolsException", "OperationError") => (create.ArgumentList, 0),
                ImplicitObjectCreationExpressionSyntax create when Names(TargetType(create), "ErrorRecord") => (create.ArgumentList, 1),
                ConstructorInitializerSyntax { RawKind: (int)SyntaxKind.BaseConstructorInitializer } call when DerivesFromDiskToolsException(call) => (call.ArgumentList, 0),
                PrimaryConstructorBaseTypeSyntax primary when Names(primary.Type, "DiskToolsException") => (primary.ArgumentList, 0),
                _ => (null, 0),
            };

            if (arguments is not null && arguments.Arguments.Count > index)
            {
                foreach (LiteralExpressionSyntax literal in IdChoices(arguments.Arguments[index].Expression))
                {
                    yield return $"{file.Path}:{literal.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: \"{literal.Token.ValueText}\"";
                }
            }
        }
    }

    /// <summary>The string literals an id argument can be: itself, or a branch of a choice between ids.</summary>
    private static IEnumerable<LiteralExpressionSyntax> IdChoices(ExpressionSyntax id)
        => id.DescendantNodesAndSelf(n => n == id || n is ConditionalExpressionSyntax or ParenthesizedExpressionSyntax or SwitchExpressionSyntax or SwitchExpressionArmSyntax
                                          || n.IsKind(SyntaxKind.CoalesceExpression))
            .OfType<LiteralExpressionSyntax>()
            .Where(l => l.IsKind(SyntaxKind.StringLiteralExpression) && IdWord.IsMatch(l.Token.ValueText));

    /// <summary>The declared type a target-typed <c>new(…)</c> takes: of the member it is the body or return value of, or of the variable it starts.</summary>
    private static TypeSyntax? TargetType(ImplicitObjectCreationExpressionSyntax create) => create.Parent switch
    {
        ArrowExpressionClauseSyntax or ReturnStatementSyntax => create.Ancestors().Select(DeclaredType).FirstOrDefault(t => t is not null),
        EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } } => declaration.Type,
        _ => null,
    };

    private static TypeSyntax? DeclaredType(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax method => method.ReturnType,
        LocalFunctionStatementSyntax local => local.ReturnType,
        PropertyDeclarationSyntax property => property.Type,
        _ => null,
    };

    private static bool Names(TypeSyntax? type, params string[] names) => type switch
    {
        IdentifierNameSyntax simple => names.Contains(simple.Identifier.ValueText),
        QualifiedNameSyntax qualified => Names(qualified.Right, names),
        _ => false,
    };

    private static bool DerivesFromDiskToolsException(SyntaxNode node)
        => node.FirstAncestorOrSelf<TypeDeclarationSyntax>()?.BaseList?.Types.Any(t => Names(t.Type, "DiskToolsException")) == true;

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
