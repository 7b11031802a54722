namespace DiskTools.Build.Tests;

/// <summary>A well-formed page with two parameter sets, for tests to parse as is or break on purpose.</summary>
internal static class SamplePage
{
    public const string FileName = "Get-Sample.md";

    public const string Text = """
        ---
        external help file: DiskTools.dll-Help.xml
        Module Name: DiskTools
        online version: https://example.org/get-sample
        schema: 2.0.0
        ---

        # Get-Sample

        ## SYNOPSIS
        Gets samples
        from somewhere.

        ## SYNTAX

        ### Path (Default)
        ```
        Get-Sample [-Path] <String[]> [-Depth <Int32>] [-Force] [<CommonParameters>]
        ```

        ### LiteralPath
        ```
        Get-Sample -LiteralPath <String[]> [-Depth <Int32>] [-Force] [<CommonParameters>]
        ```

        ## DESCRIPTION
        First paragraph
        continues here.

        - item one
        - item two \*escaped\*

        ## EXAMPLES

        ### Example 1: Get one sample
        ```powershell
        Get-Sample -Path /tmp
        ```

        Gets the sample in /tmp.

        ## PARAMETERS

        ### -Path
        Paths to read. Wildcards are permitted.

        ```yaml
        Type: String[]
        Parameter Sets: Path
        Aliases:

        Required: True
        Position: 0
        Default value: None
        Accept pipeline input: True (ByPropertyName, ByValue)
        Accept wildcard characters: True
        ```

        ### -LiteralPath
        Paths used exactly as written.

        ```yaml
        Type: String[]
        Parameter Sets: LiteralPath
        Aliases: PSPath, LP

        Required: True
        Position: Named
        Default value: None
        Accept pipeline input: True (ByPropertyName)
        Accept wildcard characters: False
        ```

        ### -Depth
        How deep to go.

        ```yaml
        Type: Int32
        Parameter Sets: (All)
        Aliases:
        Accepted values: 1, 2, 3

        Required: False
        Position: Named
        Default value: 1
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### -Force
        Include hidden items.

        ```yaml
        Type: SwitchParameter
        Parameter Sets: (All)
        Aliases:

        Required: False
        Position: Named
        Default value: False
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### CommonParameters
        This cmdlet supports the common parameters.

        ## INPUTS

        ### System.String[]
        Paths.

        ## OUTPUTS

        ### DiskTools.Sample
        One per path.

        ## NOTES
        A note.

        ## RELATED LINKS

        [Get-Other](Get-Other.md)
        """;

    /// <summary>The 1-based line of the first line that contains <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment) =>
        Array.FindIndex(text.Split('\n'), l => l.Contains(fragment, StringComparison.Ordinal)) + 1;
}
