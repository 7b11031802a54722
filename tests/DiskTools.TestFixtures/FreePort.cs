using System.Net;
using System.Net.Sockets;

namespace DiskTools.TestFixtures;

/// <summary>
/// A TCP port on 127.0.0.1 that was free a moment ago. Another program can still take it before the server
/// binds, so callers retry with a new port when the server reports the address in use.
/// </summary>
internal static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        for (int attempt = 0; ; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            // Parallel fixtures in this process must not be given the same port twice.
            lock (HandedOut)
            {
                if (HandedOut.Add(port) || attempt > 20)
                {
                    return port;
                }
            }
        }
    }

    /// <summary>True once something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
