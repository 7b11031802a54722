namespace DiskTools.Engine.Native;

/// <summary>open(2) flags and the *at() directory constants. O_DIRECTORY and O_NOFOLLOW differ between architectures.</summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;

    /// <summary>AT_FDCWD: a path relative to the working directory, or absolute.</summary>
    public const int AtFdCwd = -100;

    private static readonly bool ArmLayout = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    public static readonly int Directory = ArmLayout ? 0x4000 : 0x10000;

    public static readonly int NoFollow = ArmLayout ? 0x8000 : 0x20000;

    /// <summary>O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC: a directory to list or to open children relative to.</summary>
    public static readonly int OpenDirectory = ReadOnly | Directory | NoFollow | CloseOnExec;
}
