namespace DiskTools.TestFixtures;

/// <summary>
/// A detached shell that waits for the test process to end and then cleans up after a fixture, so a
/// server or a mount never outlives a test run: the test host is often killed (the runner gives it
/// moments to exit, a crashed or timed-out run gets SIGKILL) before ProcessExit handlers finish. It
/// exits on its own as soon as the fixture's directory is gone, i.e. after a normal Dispose, and does
/// nothing then.
/// </summary>
internal static class Watchdog
{
    // $1 owner pid, $2 fixture directory, $3 cleanup script, then its arguments. Redirecting first
    // releases the pipes of the process that started it.
    private const string Loop = """
        exec </dev/null >/dev/null 2>&1
        owner=$1 dir=$2 cleanup=$3
        shift 3
        while kill -0 "$owner" && [ -d "$dir" ]; do sleep 1; done
        [ -d "$dir" ] || exit 0
        eval "$cleanup"
        """;

    /// <summary>
    /// Starts the watchdog for <paramref name="directory"/>. <paramref name="cleanup"/> is sh code run after
    /// the owner died while the directory still exists; it sees $dir and its own arguments as $1, $2, ...
    /// </summary>
    public static void Start(string directory, string cleanup, params string[] arguments)
    {
        // setsid -f forks into a new session, so killing the test host's process tree leaves it alive.
        ProcessRunner.Run("setsid",
            ["-f", "/bin/sh", "-c", Loop, "disktools-watchdog", Environment.ProcessId.ToString(), directory, cleanup, .. arguments],
            TimeSpan.FromSeconds(30));
    }
}
