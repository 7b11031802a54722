using System.Text;

namespace DiskTools.Infrastructure;

/// <summary>
/// Binds an -Encoding argument given as an Encoding, a code page number or a name ('utf8', 'latin1',
/// 'windows-1252', 'utf-16'…), as PowerShell's own file cmdlets accept them.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
{
    static EncodingArgumentAttribute() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            return value switch
            {
                null => null,
                Encoding encoding => encoding,
                int codePage => Encoding.GetEncoding(codePage),
                string name => name.ToLowerInvariant() switch
                {
                    "utf8" or "utf-8" or "utf8nobom" or "utf8bom" => new UTF8Encoding(false),
                    "latin1" => Encoding.Latin1,
                    "ascii" => Encoding.ASCII,
                    "unicode" or "utf16" or "utf-16" => Encoding.Unicode,
                    "bigendianunicode" => Encoding.BigEndianUnicode,
                    "utf32" or "utf-32" => Encoding.UTF32,
                    _ => int.TryParse(name, out int page) ? Encoding.GetEncoding(page) : Encoding.GetEncoding(name),
                },
                _ => throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding."),
            };
        }
        catch (ArgumentException e)
        {
            throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding this system knows: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding this system knows: {e.Message}", e);
        }
    }
}
