namespace DiskTools.Engine.Native;

/// <summary>struct statx from linux/stat.h (256 bytes, one layout on every Linux architecture).</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    [FieldOffset(0)] public uint Mask;
    [FieldOffset(8)] public ulong Attributes;
    [FieldOffset(16)] public uint Nlink;
    [FieldOffset(20)] public uint Uid;
    [FieldOffset(28)] public ushort ModeField;
    [FieldOffset(32)] public ulong Ino;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(48)] public ulong Blocks;
    [FieldOffset(56)] public ulong AttributesMask;
    [FieldOffset(96)] public long CtimeSec;
    [FieldOffset(104)] public uint CtimeNsec;
    [FieldOffset(112)] public long MtimeSec;
    [FieldOffset(120)] public uint MtimeNsec;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;

    /// <summary>st_mode: the type bits (S_IFMT) and the permission bits.</summary>
    public readonly uint Mode => ModeField;

    /// <summary>The S_IFMT bits of the mode (0x8000 a regular file, 0x4000 a directory, 0xA000 a symlink).</summary>
    public readonly uint FileType => ModeField & 0xF000u;

    /// <summary>st_dev as stat(2) reports it (glibc's makedev).</summary>
    public readonly ulong Device => Statx.MakeDev(DevMajor, DevMinor);
}

/// <summary>struct statfs on 64-bit Linux (every field a 64-bit word; fsid is two ints).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StatFsBuffer
{
    public long Type;
    public long BlockSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FsId;
    public long NameLength;
    public long FragmentSize;
    public long Flags;
    public long Spare0;
    public long Spare1;
    public long Spare2;
    public long Spare3;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}
