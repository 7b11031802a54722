using System.Text.Unicode;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Reads CSV records (RFC 4180: comma-separated, fields optionally in double quotes, "" for a quote, line
/// breaks inside quotes) straight from UTF-8 bytes, one record at a time, each judged on its own:
/// <list type="bullet">
/// <item>a record that is not valid UTF-8 is an error at its line, never decoded with replacement characters;</item>
/// <item>a broken quote (text after a closing quote, or a quote never closed) is an error at the line the
/// record began on, and reading resumes at the next line, so one stray quote never swallows the rest of the file;</item>
/// <item>blank lines are skipped; a UTF-8 byte-order mark at the start is dropped.</item>
/// </list>
/// A record's fields are valid until the next <see cref="Read"/>.
/// </summary>
internal sealed class CsvRecordReader : IDisposable
{
    /// <summary>Largest record accepted; a longer one cannot be a baseline row.</summary>
    public const int MaxRecordBytes = 64 << 20;

    private readonly Stream stream;
    private readonly List<(int Start, int Length, bool Escaped)> fields = [];
    private byte[] buffer = new byte[1 << 20];
    private byte[] scratch = new byte[256];
    private int start;          // first byte of the next record
    private int end;            // end of the valid data in buffer
    private bool eof;
    private bool first = true;
    private long nextLine = 1;  // line the next record starts on

    public CsvRecordReader(Stream stream) => this.stream = stream;

    /// <summary>The line the current record began on (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Why the current record was refused, or null when it was read.</summary>
    public string? Error { get; private set; }

    public int FieldCount => fields.Count;

    /// <summary>Field <paramref name="index"/> of the current record, quotes removed.</summary>
    public ReadOnlySpan<byte> Field(int index)
    {
        (int fieldStart, int length, bool escaped) = fields[index];
        ReadOnlySpan<byte> raw = buffer.AsSpan(fieldStart, length);
        if (!escaped)
        {
            return raw;
        }

        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }

        int written = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            scratch[written++] = raw[i];
            if (raw[i] == (byte)'"')
            {
                i++;   // "" stands for one quote
            }
        }

        return scratch.AsSpan(0, written);
    }

    /// <summary>
    /// Moves to the next record; false at the end of the input. When <see cref="Error"/> is set the record
    /// was refused (its line says where) and has no fields.
    /// </summary>
    public bool Read()
    {
        while (true)
        {
            if (first)
            {
                if (!Ensure(3))
                {
                    // fewer than three bytes in all: no byte-order mark to drop
                }

                first = false;
                if (end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF)
                {
                    start += 3;
                }
            }

            if (start == end)
            {
                if (eof || !Fill())
                {
                    return false;
                }

                continue;
            }

            switch (Parse(out int recordEnd, out int lines))
            {
                case Outcome.NeedMore:
                    if (!Fill())
                    {
                        // Fill refused: only when the record outgrew the largest accepted.
                        Refuse("a record longer than " + MaxRecordBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes");
                        return true;
                    }

                    continue;
                case Outcome.Blank:
                    start = recordEnd;
                    nextLine += lines;
                    continue;
                case Outcome.Broken:
                    return true;
                default:
                    LineNumber = nextLine;
                    Error = null;
                    ReadOnlySpan<byte> record = buffer.AsSpan(start, recordEnd - start);
                    int invalidAt = InvalidUtf8At(record);
                    start = recordEnd;
                    nextLine += lines;
                    if (invalidAt >= 0)
                    {
                        fields.Clear();
                        Error = $"not valid UTF-8 (byte 0x{record[invalidAt]:X2} at offset {invalidAt} of the record); give -Encoding if the file is in another encoding";
                    }

                    return true;
            }
        }
    }

    public void Dispose() => stream.Dispose();

    private enum Outcome
    {
        Record,
        Blank,
        NeedMore,
        Broken,
    }

    private Outcome Parse(out int recordEnd, out int lines)
    {
        fields.Clear();
        lines = 0;
        recordEnd = start;
        int pos = start;
        ReadOnlySpan<byte> data = buffer.AsSpan(0, end);

        // A blank line (nothing, or only a carriage return) is no record.
        int firstBreak = data[pos..].IndexOf((byte)'\n');
        if (firstBreak == 0 || (firstBreak == 1 && data[pos] == (byte)'\r'))
        {
            recordEnd = pos + firstBreak + 1;
            lines = 1;
            return Outcome.Blank;
        }

        while (true)
        {
            if (pos < end && data[pos] == (byte)'"')
            {
                int fieldStart = pos + 1;
                int scan = fieldStart;
                bool escaped = false;
                while (true)
                {
                    int quote = data[scan..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        return eof ? Broken("a quoted field is never closed") : Outcome.NeedMore;
                    }

                    int at = scan + quote;
                    if (at + 1 == end && !eof)
                    {
                        return Outcome.NeedMore;   // "" or the closing quote: the next byte decides
                    }

                    if (at + 1 < end && data[at + 1] == (byte)'"')
                    {
                        escaped = true;
                        scan = at + 2;
                        continue;
                    }

                    lines += data[fieldStart..at].Count((byte)'\n');
                    fields.Add((fieldStart, at - fieldStart, escaped));
                    pos = at + 1;
                    break;
                }

                if (pos < end && data[pos] == (byte)'\r' && pos + 1 < end && data[pos + 1] == (byte)'\n')
                {
                    pos++;
                }
                else if (pos + 1 == end && data[pos] == (byte)'\r' && !eof)
                {
                    return Outcome.NeedMore;
                }

                if (pos == end)
                {
                    if (!eof)
                    {
                        return Outcome.NeedMore;
                    }

                    recordEnd = pos;
                    lines++;
                    return Outcome.Record;
                }

                if (data[pos] == (byte)',')
                {
                    pos++;
                    continue;
                }

                if (data[pos] == (byte)'\n')
                {
                    recordEnd = pos + 1;
                    lines++;
                    return Outcome.Record;
                }

                return Broken("text after the closing quote of a field");
            }

            int stop = data[pos..].IndexOfAny((byte)',', (byte)'\n');
            if (stop < 0)
            {
                if (!eof)
                {
                    return Outcome.NeedMore;
                }

                fields.Add((pos, TrimCarriageReturn(data, pos, end), false));
                recordEnd = end;
                lines++;
                return Outcome.Record;
            }

            int fieldEnd = pos + stop;
            if (data[fieldEnd] == (byte)',')
            {
                fields.Add((pos, fieldEnd - pos, false));
                pos = fieldEnd + 1;
                continue;
            }

            fields.Add((pos, TrimCarriageReturn(data, pos, fieldEnd), false));
            recordEnd = fieldEnd + 1;
            lines++;
            return Outcome.Record;
        }
    }

    private static int TrimCarriageReturn(ReadOnlySpan<byte> data, int from, int to)
        => to > from && data[to - 1] == (byte)'\r' ? to - 1 - from : to - from;

    /// <summary>
    /// The record starting at <see cref="start"/> is broken: report it at its first line and resume at the
    /// line after it (more input is read to find that line's end).
    /// </summary>
    private Outcome Broken(string reason)
    {
        while (true)
        {
            int newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                Refuse(reason, start + newline + 1);
                return Outcome.Broken;
            }

            if (eof || !Fill())
            {
                Refuse(reason, end);
                return Outcome.Broken;
            }
        }
    }

    private void Refuse(string reason, int resumeAt = -1)
    {
        fields.Clear();
        LineNumber = nextLine;
        Error = "malformed CSV (" + reason + ")";
        if (resumeAt < 0)
        {
            // Skip the oversized record's first line, as for a broken quote.
            int newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            resumeAt = newline >= 0 ? start + newline + 1 : end;
        }

        start = resumeAt;
        nextLine++;
    }

    /// <summary>Whether at least <paramref name="count"/> bytes are buffered after <see cref="start"/> (reading more if needed).</summary>
    private bool Ensure(int count)
    {
        while (end - start < count)
        {
            if (!Fill())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads more input after what is buffered; false at the end of the input or when a record outgrows the limit.</summary>
    private bool Fill()
    {
        if (eof)
        {
            return false;
        }

        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            if (buffer.Length >= MaxRecordBytes)
            {
                return false;
            }

            Array.Resize(ref buffer, buffer.Length * 2);
        }

        int read = stream.Read(buffer, end, buffer.Length - end);
        if (read == 0)
        {
            eof = true;
            return true;   // nothing new, but the caller now knows the input ended
        }

        end += read;
        return true;
    }

    private static int InvalidUtf8At(ReadOnlySpan<byte> record)
    {
        if (Utf8.IsValid(record))
        {
            return -1;
        }

        for (int i = 0; i < record.Length;)
        {
            System.Buffers.OperationStatus status = System.Text.Rune.DecodeFromUtf8(record[i..], out _, out int consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return 0;
    }
}
