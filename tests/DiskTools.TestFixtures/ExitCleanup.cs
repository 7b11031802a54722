using System.Collections.Concurrent;

namespace DiskTools.TestFixtures;

/// <summary>
/// Fixtures that hold a server process or a mount register here, so they are torn down when the test
/// process ends even when nobody disposed them (shared instances, or a test that failed before its using
/// block ended).
/// </summary>
internal static class ExitCleanup
{
    private static readonly ConcurrentDictionary<IDisposable, byte> Live = new(ReferenceEqualityComparer.Instance);

    static ExitCleanup()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();
    }

    public static void Register(IDisposable resource) => Live.TryAdd(resource, 0);

    public static void Unregister(IDisposable resource) => Live.TryRemove(resource, out _);

    // In parallel: the test runner may kill this process moments after it starts exiting (each fixture's
    // watchdog finishes the job then).
    private static void DisposeAll()
    {
        Parallel.ForEach(Live.Keys, resource =>
        {
            try
            {
                resource.Dispose();
            }
            catch (Exception ex)
            {
                // The process is going away; report and go on with the rest.
                Console.Error.WriteLine($"DiskTools test cleanup: {resource.GetType().Name}: {ex.Message}");
            }
        });
    }
}
