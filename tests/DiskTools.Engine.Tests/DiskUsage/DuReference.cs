using System.Diagnostics;
using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.Tests.DiskUsage;

/// <summary>Runs GNU du and parses its lines into (display path → bytes), paths decoded like DiskTools shows them.</summary>
public static class DuReference
{
    public static Dictionary<string, long> Run(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/du", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.StandardError.ReadToEnd();
        process.WaitForExit();

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        ReadOnlySpan<byte> text = buffer.ToArray();
        while (!text.IsEmpty)
        {
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            int tab = line.IndexOf((byte)'\t');
            if (tab < 0)
            {
                continue;
            }

            long size = long.Parse(System.Text.Encoding.ASCII.GetString(line[..tab]), System.Globalization.CultureInfo.InvariantCulture);
            result[PathText.Decode(line[(tab + 1)..])] = size;
        }

        return result;
    }
}
