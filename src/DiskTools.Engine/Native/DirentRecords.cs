namespace DiskTools.Engine.Native;

/// <summary>
/// The records getdents64 wrote into a buffer (struct linux_dirent64: d_ino, d_off, d_reclen at 16, d_type at
/// 18, the NUL-terminated name at 19), without "." and "..".
/// </summary>
internal unsafe ref struct DirentRecords
{
    public const byte TypeUnknown = 0;
    public const byte TypeDirectory = 4;
    public const byte TypeRegular = 8;
    public const byte TypeSymlink = 10;

    private readonly byte* buffer;
    private readonly nint length;
    private nint offset;

    public DirentRecords(byte* buffer, nint length)
    {
        this.buffer = buffer;
        this.length = length;
    }

    /// <summary>The next entry: its name (the NUL follows it in the buffer) and d_type; false at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next(out ReadOnlySpan<byte> name, out byte type)
    {
        while (offset < length)
        {
            byte* record = buffer + offset;
            offset += *(ushort*)(record + 16);
            name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(record + 19);
            if (name[0] == (byte)'.' && (name.Length == 1 || (name.Length == 2 && name[1] == (byte)'.')))
            {
                continue;
            }

            type = record[18];
            return true;
        }

        name = default;
        type = TypeUnknown;
        return false;
    }
}
