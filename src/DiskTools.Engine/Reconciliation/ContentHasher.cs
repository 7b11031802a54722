using Microsoft.Win32.SafeHandles;

namespace DiskTools.Engine.Reconciliation;

/// <summary>What hashing one file produced.</summary>
internal enum HashOutcome
{
    /// <summary>Hashed; the file was the same before and after.</summary>
    Hashed,

    /// <summary>The file changed while it was read: retry later, record nothing.</summary>
    Changed,

    /// <summary>
    /// Nothing was seen to change, but the file was modified within the timestamp granularity of the moment
    /// reading began, so a rewrite during the read could have left no trace: retry later, record nothing.
    /// </summary>
    TooRecent,

    /// <summary>The file is gone or no longer a regular file.</summary>
    Vanished,

    /// <summary>It could not be read (permissions, I/O error); record it without a hash.</summary>
    Unreadable,
}

internal readonly record struct HashResult(HashOutcome Outcome, FileIdentity Identity, string? Hash, Exception? Error);

/// <summary>
/// SHA-256 of a file's content with a guarantee the hash belongs to the recorded metadata: the open file is
/// stat'ed before and after reading, and any difference (or a change within the file system's timestamp
/// granularity of the read — the "racy" case git guards against) makes the outcome Changed.
/// </summary>
internal static class ContentHasher
{
    /// <summary>Large sequential reads keep the hash, not the system calls, the bottleneck.</summary>
    public const int ReadSize = 1 << 20;

    /// <summary>
    /// Kernel file timestamps come from a coarse clock (one tick, up to 10 ms). A file whose ctime falls in
    /// the tick during which reading began could be rewritten afterwards without its timestamps moving, so
    /// such a hash is not trusted.
    /// </summary>
    public const long RacyWindowNs = 10_000_000;

    public static HashResult Hash(string fullPath, FileIdentity expected, CancellationToken cancellationToken, Action<string>? whileHashing = null)
    {
        long startedNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            using SafeFileHandle handle = LongPathFile.OpenRead(fullPath);
            FileIdentity before = NativeStat.Of(handle);
            if (!before.IsRegular || before.Inode != expected.Inode)
            {
                return new HashResult(before.IsRegular ? HashOutcome.Changed : HashOutcome.Vanished, before, null, null);
            }

            whileHashing?.Invoke(fullPath);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int read = RandomAccess.Read(handle, buffer.AsSpan(0, ReadSize), offset);
                if (read == 0)
                {
                    break;
                }

                sha.AppendData(buffer, 0, read);
                offset += read;
            }

            FileIdentity after = NativeStat.Of(handle);
            if (!after.SameAs(before) || offset != after.Size)
            {
                return new HashResult(HashOutcome.Changed, after, null, null);
            }

            if (after.ChangedNs >= startedNs - RacyWindowNs)
            {
                return new HashResult(HashOutcome.TooRecent, after, null, null);
            }

            return new HashResult(HashOutcome.Hashed, after, Convert.ToHexStringLower(sha.GetHashAndReset()), null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new HashResult(HashOutcome.Vanished, expected, null, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return new HashResult(HashOutcome.Unreadable, expected, null, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
