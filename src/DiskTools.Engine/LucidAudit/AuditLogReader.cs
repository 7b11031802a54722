using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.LucidAudit;

/// <summary>Receives one complete, non-blank line (without its line break) and its 1-based number.</summary>
public delegate void AuditLineHandler(ReadOnlySpan<byte> line, long lineNumber);

/// <summary>Receives the number and length of a complete line too long to be an audit event (it was skipped unread).</summary>
public delegate void OversizedLineHandler(long lineNumber, long bytes);

/// <summary>
/// Reads complete lines of an audit log from a cursor. The cursor only ever moves to just past a line
/// break, so a line the client is still writing is left for the next read, whole. Before reading, the log
/// is checked against the cursor's fingerprint; a log that shrank or changed is not read at all. A line
/// longer than <see cref="MaxLineBytes"/> is never buffered whole: once its line break arrives it is
/// skipped and handed to the oversized-line handler, and the lines around it are read as usual.
/// </summary>
public static class AuditLogReader
{
    private const int ChunkSize = 1 << 20;

    /// <summary>Largest single line accepted; a longer one cannot be an audit event.</summary>
    public const int MaxLineBytes = 16 << 20;

    /// <summary>
    /// Reads up to <paramref name="maxLines"/> complete lines after <paramref name="cursor"/> and hands each
    /// non-blank one to <paramref name="onLine"/>. The log is opened by its current path, falling back to
    /// the rotated name when the client renamed it meanwhile.
    /// </summary>
    public static AuditReadResult Read(AuditLogFile file, AuditCursor cursor, long maxLines, AuditLineHandler onLine, CancellationToken cancellationToken)
        => Read(file, cursor, maxLines, onLine, null, cancellationToken);

    /// <inheritdoc cref="Read(AuditLogFile, AuditCursor, long, AuditLineHandler, CancellationToken)"/>
    public static AuditReadResult Read(AuditLogFile file, AuditCursor cursor, long maxLines, AuditLineHandler onLine, OversizedLineHandler? onOversized, CancellationToken cancellationToken)
    {
        SafeFileHandle? handle = Open(file, out string openedPath);
        if (handle is null)
        {
            return new AuditReadResult(AuditReadStatus.Vanished, cursor, 0, true, 0);
        }

        using (handle)
        {
            long length = RandomAccess.GetLength(handle);
            if (length < cursor.Position)
            {
                return new AuditReadResult(AuditReadStatus.Truncated, cursor, 0, true, 0);
            }

            if (cursor.FingerprintLength > 0
                && !AuditFingerprint.Compute(handle, cursor.FingerprintLength).AsSpan().SequenceEqual(cursor.Fingerprint))
            {
                return new AuditReadResult(AuditReadStatus.Replaced, cursor, 0, true, 0);
            }

            (long end, long lines, bool reachedEnd) = ReadLines(handle, cursor, maxLines, onLine, onOversized, cancellationToken);

            // Widen the fingerprint while the log is young: its first bytes are consumed lines now.
            int fingerprintLength = AuditFingerprint.LengthFor(end);
            byte[] fingerprint = fingerprintLength == cursor.FingerprintLength
                ? cursor.Fingerprint
                : AuditFingerprint.Compute(handle, fingerprintLength);

            string relative = file.RelativePath;
            if (!string.Equals(openedPath, file.FullPath, StringComparison.Ordinal))
            {
                relative = relative[..^(AuditTreeDiscovery.ActiveExtension.Length - AuditTreeDiscovery.RotatedExtension.Length)];
            }

            var next = cursor with
            {
                AuditFile = relative,
                Position = end,
                LineCount = cursor.LineCount + lines,
                Fingerprint = fingerprint,
                FingerprintLength = fingerprintLength,
            };
            long tail = Math.Max(0, RandomAccess.GetLength(handle) - end);
            return new AuditReadResult(AuditReadStatus.Ok, next, lines, reachedEnd, reachedEnd ? tail : 0);
        }
    }

    private static (long End, long Lines, bool ReachedEnd) ReadLines(
        SafeFileHandle handle, AuditCursor cursor, long maxLines, AuditLineHandler onLine, OversizedLineHandler? onOversized, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long filePosition = cursor.Position;   // next byte to read from the file
            long consumed = cursor.Position;       // just past the last complete line
            long lineNumber = cursor.LineCount;
            long lines = 0;
            int carry = 0;                          // bytes of an incomplete line at the start of buffer
            bool skipping = false;                  // inside a line longer than MaxLineBytes: its bytes are dropped
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (carry == buffer.Length)
                {
                    if (buffer.Length >= MaxLineBytes)
                    {
                        // Not an audit event: drop what is buffered and look only for the line's end.
                        skipping = true;
                        carry = 0;
                    }
                    else
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, carry).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                int read = RandomAccess.Read(handle, buffer.AsSpan(carry), filePosition);
                if (read == 0)
                {
                    // An unfinished line (long or not) stays unconsumed until its line break is written.
                    return (consumed, lines, true);
                }

                filePosition += read;
                int available = carry + read;
                int start = 0;
                if (skipping)
                {
                    int end = buffer.AsSpan(0, available).IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        carry = 0;
                        continue;
                    }

                    long lineEnd = filePosition - available + end;   // file offset of the line break
                    skipping = false;
                    lineNumber++;
                    lines++;
                    onOversized?.Invoke(lineNumber, lineEnd - consumed);
                    consumed = lineEnd + 1;
                    start = end + 1;
                    if (lines >= maxLines)
                    {
                        return (consumed, lines, false);
                    }
                }

                while (start < available)
                {
                    int newline = buffer.AsSpan(start, available - start).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    ReadOnlySpan<byte> line = buffer.AsSpan(start, newline);
                    start += newline + 1;
                    consumed += newline + 1;
                    lineNumber++;
                    lines++;
                    line = line.TrimEnd((byte)'\r');
                    if (!line.Trim(" \t"u8).IsEmpty)
                    {
                        onLine(line, lineNumber);
                    }

                    if (lines >= maxLines)
                    {
                        // Stopped by the limit: more may follow; the next read finds out.
                        return (consumed, lines, false);
                    }
                }

                carry = available - start;
                if (carry > 0 && start > 0)
                {
                    buffer.AsSpan(start, carry).CopyTo(buffer);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SafeFileHandle? Open(AuditLogFile file, out string openedPath)
    {
        openedPath = file.FullPath;
        SafeFileHandle? handle = TryOpen(file.FullPath);
        if (handle is null && file.IsActive)
        {
            // Rotated between discovery and now: same log, rotated name.
            openedPath = file.FullPath[..^(AuditTreeDiscovery.ActiveExtension.Length - AuditTreeDiscovery.RotatedExtension.Length)];
            handle = TryOpen(openedPath);
        }

        return handle;
    }

    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
