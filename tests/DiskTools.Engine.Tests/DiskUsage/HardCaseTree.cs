using DiskTools.Engine.Tests.Traversal;
using DiskTools.TestFixtures;

namespace DiskTools.Engine.Tests.DiskUsage;

/// <summary>
/// One generated tree with every case du semantics must get right: names that are not UTF-8, a sparse
/// file, symlinks (to files, to directories, in a loop), a FIFO, hard links inside one directory and
/// across directories (only under links/), empty and nested directories, and — when running as root — a
/// tmpfs mounted inside (for -OneFileSystem).
/// </summary>
public sealed class HardCaseTree : IDisposable
{
    private const string Generator = """
        import os, sys
        root = sys.argv[1].encode()
        def p(*parts): return os.path.join(root, *parts)
        def write(path, size):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as f: f.write(b'z' * size)
        for i in range(6):
            for j in range(4):
                write(p(b'data', b'd%d' % i, b's%d' % j, b'f.bin'), (i * 7919 + j * 104729) % 300000)
                write(p(b'data', b'd%d' % i, b'small%d' % j), j * 100 + 1)
            os.makedirs(p(b'data', b'd%d' % i, b'empty'))
        write(p(b'odd', b'bad\xff\xfe', b'f\xe9'), 5000)
        write(p(b'odd', b'x\x80'), 70000)
        os.symlink(b'../data', p(b'odd', b'to-data'))
        os.symlink(b'loop-b', p(b'odd', b'loop-a'))
        os.symlink(b'loop-a', p(b'odd', b'loop-b'))
        os.mkfifo(p(b'odd', b'fifo'))
        with open(p(b'sparse'), 'wb') as f:
            f.truncate(50 * 1024 * 1024)
            f.seek(10 * 1024 * 1024); f.write(b'y' * 9000)
        write(p(b'same', b'original'), 123456)
        os.link(p(b'same', b'original'), p(b'same', b'copy1'))
        os.link(p(b'same', b'original'), p(b'same', b'copy2'))
        write(p(b'links', b'x', b'shared'), 200000)
        os.makedirs(p(b'links', b'y', b'deeper'))
        os.link(p(b'links', b'x', b'shared'), p(b'links', b'y', b'deeper', b'shared'))
        os.link(p(b'links', b'x', b'shared'), p(b'links', b'y', b'again'))
        write(p(b'links', b'outside-only'), 4096 * 3)
        os.link(p(b'links', b'outside-only'), sys.argv[2].encode())
        """;

    private readonly TempTree tree = new();
    private readonly string outsideLink;

    public HardCaseTree()
    {
        outsideLink = Root + "-outside-link";
        TempTree.Run("python3", "-c", Generator, Root, outsideLink);
        if (Prerequisite.IsRoot)
        {
            MountPoint = tree.Dir("mnt");
            TempTree.Run("/bin/mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", MountPoint);
            tree.File("mnt/inside/file", 300000);
        }
    }

    public string Root => tree.Root;

    /// <summary>A tmpfs mounted inside the tree, or null when not running as root.</summary>
    public string? MountPoint { get; }

    /// <summary>Directories where a hard link spans directories: per-directory numbers legitimately differ from du's there.</summary>
    public IReadOnlySet<string> LinkSpanned => new HashSet<string>(StringComparer.Ordinal) { Path.Combine(Root, "links/x"), Path.Combine(Root, "links/y"), Path.Combine(Root, "links/y/deeper") };

    public void Dispose()
    {
        if (MountPoint is not null)
        {
            TempTree.Run("/bin/umount", MountPoint);
        }

        File.Delete(outsideLink);
        tree.Dispose();
    }
}
