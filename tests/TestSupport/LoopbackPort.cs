using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>
/// Picks a TCP port on 127.0.0.1 for a server a test starts. Not from the kernel's ephemeral range: a port bound with
/// port 0 and released again is soon handed out as the local port of some outgoing connection (the suites run side by
/// side and make thousands), which is how a receiver lost its port between the pick and its own bind. Below that range
/// only servers bind, and a random pick among ~20,000 ports that is free right now rarely meets another test's pick.
/// </summary>
public static class LoopbackPort
{
    private const int Lowest = 12000;

    public static int Free()
    {
        int below = EphemeralRangeStart();
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(Lowest, below);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free loopback port between {Lowest} and {below}");
    }

    /// <summary>Runs <paramref name="start"/> on a fresh port until it does not fail with "address in use".</summary>
    public static T StartOnFreePort<T>(Func<int, T> start, Func<Exception, bool> isAddressInUse, int attempts = 5)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = Free();
            try { return start(port); }
            catch (Exception e) when (attempt < attempts && isAddressInUse(e)) { }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.ExclusiveAddressUse = true;
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 1 && int.TryParse(fields[0], out int low) && low > Lowest + 1000) return low;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 32768;
    }
}
