using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// A fingerprint of a log's first bytes. Only bytes already consumed are covered (they are complete lines
/// of an append-only file and can never change), so a mismatch means the log was replaced or rewritten.
/// </summary>
public static class AuditFingerprint
{
    /// <summary>The fingerprint covers at most this many leading bytes.</summary>
    public const int MaxBytes = 4096;

    /// <summary>SHA-256 of the first <paramref name="length"/> bytes of the open file.</summary>
    public static byte[] Compute(SafeFileHandle handle, int length)
    {
        if (length <= 0)
        {
            return [];
        }

        byte[] buffer = new byte[length];
        int total = 0;
        while (total < length)
        {
            int read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                throw new EndOfStreamException("The audit log is shorter than its fingerprint.");
            }

            total += read;
        }

        return SHA256.HashData(buffer);
    }

    /// <summary>How many bytes a fingerprint should cover once <paramref name="position"/> bytes are consumed.</summary>
    public static int LengthFor(long position) => (int)Math.Min(position, MaxBytes);
}
