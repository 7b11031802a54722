namespace DiskTools.Engine.Sync.Safety;

/// <summary>
/// The one directory where a sync session keeps its lock and pid files: a directory DiskTools creates itself
/// with mode 0700 and checks before every use (a real directory, not a symbolic link, owned by this user,
/// no access for group or others, inside a parent nobody else can rename it in), so no other user can plant
/// a file, a symbolic link or a directory of their own there. Where it is depends only on the user, never on
/// how the session was started (cron, sudo, a login, ssh), so every session of that user on the host finds
/// the same lock: root uses /run/disktools; another user /run/user/&lt;uid&gt;/disktools when logind made that
/// directory for them, else ~/.local/state/disktools/run. DISKTOOLS_RUNTIME_DIR names another directory
/// (checked the same way), on the source and on the target alike, so a host's sessions meet at one lock
/// whichever role they give it. The target computes the same place with <see cref="ShellScript"/>.
/// </summary>
public static class RuntimeDirectory
{
    public const string OverrideVariable = "DISKTOOLS_RUNTIME_DIR";

    /// <summary>
    /// POSIX sh that sets $d to the target's runtime directory, creating and checking it as <see cref="Ensure"/>
    /// does; on an unsafe directory it prints "UNSAFE &lt;why&gt;" and exits 71.
    /// </summary>
    public const string ShellScript = """
        umask 077
        u=$(id -u) || exit 70
        case ${DISKTOOLS_RUNTIME_DIR:-} in
        /*) d=${DISKTOOLS_RUNTIME_DIR%/}; [ -e "$d" ] || [ -L "$d" ] || mkdir -p "$d" || exit 70;;
        *) if [ "$u" = 0 ]; then d=/run/disktools
        elif [ -d "/run/user/$u" ] && [ ! -L "/run/user/$u" ] && [ "$(stat -c %u "/run/user/$u")" = "$u" ]; then d="/run/user/$u/disktools"
        else [ -n "$HOME" ] || exit 70; mkdir -p "$HOME/.local/state/disktools" || exit 70; d="$HOME/.local/state/disktools/run"; fi;;
        esac
        [ -L "$d" ] && { echo "UNSAFE $d is a symbolic link"; exit 71; }
        [ -e "$d" ] || mkdir -m 700 "$d" || exit 70
        [ -L "$d" ] && { echo "UNSAFE $d is a symbolic link"; exit 71; }
        [ -d "$d" ] || { echo "UNSAFE $d is not a directory"; exit 71; }
        o=$(stat -c %u "$d") && m=$(stat -c %a "$d") || exit 70
        [ "$o" = "$u" ] || { echo "UNSAFE $d belongs to uid $o, not $u"; exit 71; }
        case $m in *00) ;; *) echo "UNSAFE $d has mode $m: group or others may use it"; exit 71;; esac
        a=$(dirname "$d") && ao=$(stat -c %u "$a") && am=$(stat -c %a "$a") || exit 70
        case $am in ?) am=000$am;; ??) am=00$am;; ???) am=0$am;; esac
        case $ao:$am in 0:*|"$u":*) ;; *) echo "UNSAFE the parent $a of $d belongs to uid $ao"; exit 71;; esac
        case $am in [1357]*) ;; *[2367]?|*[2367]) echo "UNSAFE the parent $a of $d has mode $am: other users may replace $d"; exit 71;; esac
        """;

    /// <summary>Where this user's sessions keep their lock (not created; see <see cref="Ensure"/>).</summary>
    public static string Default
    {
        get
        {
            string? chosen = Environment.GetEnvironmentVariable(OverrideVariable);
            if (!string.IsNullOrWhiteSpace(chosen) && Path.IsPathRooted(chosen))
            {
                return Path.TrimEndingDirectorySeparator(chosen);
            }

            uint uid = PosixFiles.EffectiveUserId;
            if (uid == 0)
            {
                return "/run/disktools";
            }

            string userRun = $"/run/user/{uid}";
            if (PosixFiles.LinkStat(userRun) is { IsDirectory: true } run && run.Uid == uid)
            {
                return Path.Combine(userRun, "disktools");
            }

            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "disktools", "run");
        }
    }

    /// <summary>
    /// Creates <paramref name="directory"/> (mode 0700) when it does not exist and checks it; returns it.
    /// </summary>
    /// <exception cref="DiskToolsException">SyncRuntimeDirectoryUnsafe: it exists but someone else could write to it.</exception>
    public static string Ensure(string directory)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string parent = Path.GetDirectoryName(directory) ?? "/";
        // Missing parents (~/.local/state) are created for this user alone.
        var missing = new Stack<string>();
        for (string? up = parent; up is not null && PosixFiles.Stat(up) is null; up = Path.GetDirectoryName(up))
        {
            missing.Push(up);
        }

        while (missing.TryPop(out string? create))
        {
            _ = PosixFiles.MakeDirectory(create, Convert.ToInt32("700", 8));
        }

        int made = PosixFiles.MakeDirectory(directory, Convert.ToInt32("700", 8));
        if (made != 0 && made != PosixFiles.EEXIST)
        {
            throw new DiskToolsException(ErrorIds.SyncRuntimeDirectoryFailed, ErrorKind.PermissionDenied,
                $"Cannot create the directory '{directory}' for the session lock (errno {made}).", directory);
        }

        Check(directory, parent);
        return directory;
    }

    private static void Check(string directory, string parent)
    {
        uint uid = PosixFiles.EffectiveUserId;
        PosixStat? found = PosixFiles.LinkStat(directory);
        string? problem = found switch
        {
            null => "it vanished while it was being checked",
            { IsSymbolicLink: true } => "it is a symbolic link",
            { IsDirectory: false } s => $"it is {s.TypeName}, not a directory",
            { } s when s.Uid != uid => $"it belongs to uid {s.Uid}, not to uid {uid} who runs the session",
            { } s when (s.Mode & 0x3F) != 0 => $"its mode is {s.OctalMode}: group or others may use it (it must be 700)",
            _ => null,
        };

        // A parent others may write to without the sticky bit lets them rename the directory away and put their own in its place.
        if (problem is null && PosixFiles.Stat(parent) is { } above && (above.Uid != 0 && above.Uid != uid || ((above.Mode & 0x12) != 0 && (above.Mode & 0x200) == 0)))
        {
            problem = $"its parent '{parent}' (uid {above.Uid}, mode {above.OctalMode}) lets other users replace it";
        }

        if (problem is not null)
        {
            throw new DiskToolsException(ErrorIds.SyncRuntimeDirectoryUnsafe, ErrorKind.SecurityError,
                $"Refusing to keep the session lock in '{directory}': {problem}. Another user could make DiskTools overwrite or reveal a file of their choosing. "
                + $"Remove it (DiskTools creates it again with mode 700), or set {OverrideVariable} to a directory only you can write to.",
                directory);
        }
    }
}
