namespace DiskTools.Engine.Traversal;

/// <summary>
/// Display form of raw path bytes: valid UTF-8 is decoded as is; each byte that is not part of valid UTF-8
/// becomes \xNN, so a name that is not UTF-8 is shown distinctly and never collapses into another.
/// </summary>
public static class PathText
{
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var text = new StringBuilder(bytes.Length + 16);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                consumed = Math.Max(consumed, 1);
                for (int i = 0; i < consumed; i++)
                {
                    text.Append("\\x").Append(bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            bytes = bytes[consumed..];
        }

        return text.ToString();
    }

    /// <summary>root + "/" + relative (no separator for an empty relative path or a root ending in '/').</summary>
    public static string Join(string root, ReadOnlySpan<byte> relative)
    {
        if (relative.IsEmpty)
        {
            return root;
        }

        return root.EndsWith('/') ? root + Decode(relative) : root + "/" + Decode(relative);
    }
}
