using DiskTools.Engine.Traversal;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Writes baseline rows as PostgreSQL's binary COPY stream, in one of two shapes: staged rows for
/// import_rows (<see cref="WriteRow"/>), which a merge writes into a root's records, or the records of a
/// root's new partition themselves (<see cref="WriteRecordRow"/>).
/// </summary>
internal static class ImportCopyEncoder
{
    // "PGCOPY\n\xff\r\n\0", then flags and header-extension length (both 0).
    private static ReadOnlySpan<byte> Header => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    public static void WriteHeader(IBufferWriter<byte> output) => output.Write(Header);

    public static void WriteTrailer(IBufferWriter<byte> output)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), -1);
        output.Advance(2);
    }

    private const int DigestLength = 32;

    /// <summary>
    /// One row of import_rows (row_number, file_path, file_size, mod_time, mtime_ns, accessed, path_digest).
    /// path_digest is disktools_path_digest(file_path), the SHA-256 of the path's UTF-8 bytes, taken here from
    /// the bytes just encoded so the server need not compute it to order and de-duplicate the rows by
    /// file_records' unique key.
    /// </summary>
    public static void WriteRow(IBufferWriter<byte> output, in InventoryImportRow row)
    {
        int pathLength = Encoding.UTF8.GetByteCount(row.Path);
        Span<byte> span = output.GetSpan(2 + 12 + 4 + pathLength + 12 + 12 + 12 + 12 + 4 + DigestLength);
        int at = 0;
        BinaryPrimitives.WriteInt16BigEndian(span, 7);
        at += 2;
        at += Int64(span[at..], row.RowNumber);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], pathLength);
        at += 4;
        ReadOnlySpan<byte> path = span.Slice(at, Encoding.UTF8.GetBytes(row.Path, span[at..]));
        at += path.Length;
        at += Int64(span[at..], row.Size);
        // The same two stored forms of the modification time a pass writes (mod_time, then mtime_ns).
        FileTimestamp modified = FileTimestamp.FromDateTime(row.ModifiedUtc);
        at += Int64(span[at..], modified.PostgresMicroseconds);
        at += Int64(span[at..], modified.UnixNanoseconds);
        if (row.AccessedUtc is DateTime accessed)
        {
            at += Int64(span[at..], FileTimestamp.FromDateTime(accessed).PostgresMicroseconds);
        }
        else
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], -1);
            at += 4;
        }

        BinaryPrimitives.WriteInt32BigEndian(span[at..], DigestLength);
        at += 4;
        at += System.Security.Cryptography.SHA256.HashData(path, span.Slice(at, DigestLength));
        output.Advance(at);
    }

    private static ReadOnlySpan<byte> InitialScan => "initial_scan"u8;

    /// <summary>
    /// One new record of a root's partition (repository_id, file_path, file_size, mod_time, mtime_ns,
    /// ctime_ns, inode, dev, last_accessed, last_accessed_source), as a merge would write it: inode and device
    /// 0, so the next pass examines the file; last_accessed_source initial_scan when there is an access time.
    /// </summary>
    public static void WriteRecordRow(IBufferWriter<byte> output, Guid rootId, in InventoryImportRow row)
    {
        int pathLength = Encoding.UTF8.GetByteCount(row.Path);
        Span<byte> span = output.GetSpan(2 + 20 + 4 + pathLength + 12 * 7 + 4 + InitialScan.Length);
        int at = 0;
        BinaryPrimitives.WriteInt16BigEndian(span, 10);
        at += 2;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], 16);
        at += 4;
        rootId.TryWriteBytes(span.Slice(at, 16), bigEndian: true, out _);
        at += 16;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], pathLength);
        at += 4;
        at += Encoding.UTF8.GetBytes(row.Path, span[at..]);
        at += Int64(span[at..], row.Size);
        FileTimestamp modified = FileTimestamp.FromDateTime(row.ModifiedUtc);
        at += Int64(span[at..], modified.PostgresMicroseconds);
        at += Int64(span[at..], modified.UnixNanoseconds);
        at += Int64(span[at..], modified.UnixNanoseconds);
        at += Int64(span[at..], 0);
        at += Int64(span[at..], 0);
        if (row.AccessedUtc is DateTime accessed)
        {
            at += Int64(span[at..], FileTimestamp.FromDateTime(accessed).PostgresMicroseconds);
            BinaryPrimitives.WriteInt32BigEndian(span[at..], InitialScan.Length);
            at += 4;
            InitialScan.CopyTo(span[at..]);
            at += InitialScan.Length;
        }
        else
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], -1);
            BinaryPrimitives.WriteInt32BigEndian(span[(at + 4)..], -1);
            at += 8;
        }

        output.Advance(at);
    }

    private static int Int64(Span<byte> span, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, sizeof(long));
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
        return 12;
    }
}
