using System.Reflection;
using DiskTools.Engine.Output;
using Xunit;

namespace DiskTools.Engine.Tests.Output;

/// <summary>The one catalogue of error ids: every id distinct, well-formed and named by its own value.</summary>
public sealed class ErrorIdsTests
{
    private static readonly FieldInfo[] Ids = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static);

    [Fact]
    public void Holds_only_string_constants()
    {
        Assert.NotEmpty(Ids);
        Assert.All(Ids, field => Assert.True(field.IsLiteral && field.FieldType == typeof(string), $"{field.Name} is not a const string."));
    }

    [Fact]
    public void Every_id_is_named_by_its_value()
    {
        Assert.All(Ids, field => Assert.Equal(field.Name, (string?)field.GetRawConstantValue()));
    }

    [Fact]
    public void Every_id_is_a_non_empty_pascal_case_word()
    {
        // Ids become the first part of FullyQualifiedErrorId: letters (and a digit, as in Utf8), no separators.
        Assert.All(Ids, field => Assert.Matches("^[A-Z][A-Za-z0-9]*$", (string)field.GetRawConstantValue()!));
    }

    [Fact]
    public void No_two_ids_share_a_value()
    {
        string[] repeated = [.. Ids.Select(f => (string)f.GetRawConstantValue()!).GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key)];
        Assert.Empty(repeated);
    }
}
