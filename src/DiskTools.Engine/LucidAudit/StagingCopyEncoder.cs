namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Writes staged events as PostgreSQL's binary COPY stream for staging_lucid_audit (cursor_id, line_number,
/// event_utc, action, entry_path, entry_digest, target_path, user_name). Encoding a whole chunk here, with
/// no per-field calls into the driver, costs a fraction of writing field by field; each path is encoded to
/// UTF-8 once and its digest taken from those bytes.
/// </summary>
internal static class StagingCopyEncoder
{
    // "PGCOPY\n\xff\r\n\0", then flags and header-extension length (both 0).
    private static ReadOnlySpan<byte> Header => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    private const short FieldCount = 8;
    private const int DigestLength = 32;

    /// <summary>PostgreSQL timestamps count microseconds from 2000-01-01 UTC.</summary>
    private const long PostgresEpochUnixMicros = 946_684_800_000_000;

    public static void Encode(IBufferWriter<byte> output, long cursorId, IReadOnlyList<StagedAuditEvent> events)
    {
        output.Write(Header);
        foreach (StagedAuditEvent e in events)
        {
            WriteInt16(output, FieldCount);
            WriteInt64Field(output, cursorId);
            WriteInt64Field(output, e.LineNumber);
            WriteInt64Field(output, e.TimestampMicros - PostgresEpochUnixMicros);
            WriteInt32(output, sizeof(short));
            WriteInt16(output, (short)e.Action);

            // The path, then the SHA-256 of the very same bytes (the inventory's path key).
            int pathLength = Encoding.UTF8.GetByteCount(e.EntryPath);
            Span<byte> span = output.GetSpan(4 + pathLength + 4 + DigestLength);
            BinaryPrimitives.WriteInt32BigEndian(span, pathLength);
            Span<byte> path = span.Slice(4, pathLength);
            Encoding.UTF8.GetBytes(e.EntryPath, path);
            BinaryPrimitives.WriteInt32BigEndian(span.Slice(4 + pathLength), DigestLength);
            System.Security.Cryptography.SHA256.HashData(path, span.Slice(8 + pathLength, DigestLength));
            output.Advance(8 + pathLength + DigestLength);

            WriteTextField(output, e.TargetPath);
            WriteTextField(output, e.UserName);
        }

        WriteInt16(output, -1);
    }

    private static void WriteTextField(IBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            WriteInt32(output, -1);
            return;
        }

        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> span = output.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        Encoding.UTF8.GetBytes(value, span.Slice(4, length));
        output.Advance(4 + length);
    }

    private static void WriteInt64Field(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(12);
        BinaryPrimitives.WriteInt32BigEndian(span, sizeof(long));
        BinaryPrimitives.WriteInt64BigEndian(span.Slice(4), value);
        output.Advance(12);
    }

    private static void WriteInt32(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteInt16(IBufferWriter<byte> output, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), value);
        output.Advance(2);
    }
}
