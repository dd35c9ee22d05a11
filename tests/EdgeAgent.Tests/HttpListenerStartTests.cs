using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using EdgeToolkit.EdgeAgent.Telemetry;

namespace EdgeToolkit.EdgeAgent.Tests;

public class HttpListenerStartTests
{
    // The race itself (a client connecting between the runtime's listen() and its first accept) is timing: about 1 start
    // in 1,000 under a client connecting in a loop, and 1 in about 60,000 ends the process on a thread-pool thread, so it
    // is measured by benchmarks/ListenerRace and not raced here. These tests stand in the runtime's spoiled start as it
    // is: a socket left listening on the port, unreachable, and ArgumentNullException out of Start.

    [Fact]
    public async Task A_start_spoiled_by_a_client_connecting_is_retried_on_the_same_port_and_serves()
    {
        int port = Harness.FreePort();
        int spoil = 2;
        using HttpListener listener = HttpListenerStart.Start($"http://127.0.0.1:{port}/", out int retries, l =>
        {
            if (spoil-- > 0) SpoiledStart(port);
            l.Start();
        });

        Assert.Equal(2, retries);
        Assert.True(listener.IsListening);
        var serve = Task.Run(() =>
        {
            var context = listener.GetContext();
            context.Response.StatusCode = 204;
            context.Response.Close();
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await serve;
    }

    [Fact]
    public void Spoiled_starts_in_a_row_end_in_an_error_naming_the_prefix()
    {
        int port = Harness.FreePort();
        string prefix = $"http://127.0.0.1:{port}/";
        var e = Assert.Throws<InvalidOperationException>(() => HttpListenerStart.Start(prefix, out _, _ => throw new ArgumentNullException("obj")));
        Assert.Contains(prefix, e.Message, StringComparison.Ordinal);
        Assert.Contains($"{HttpListenerStart.Attempts} starts", e.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentNullException>(e.InnerException);
    }

    [Fact]
    public void A_busy_port_is_reported_at_once_and_not_retried()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var e = Assert.Throws<HttpListenerException>(() => HttpListenerStart.Start($"http://127.0.0.1:{port}/", out _));
        Assert.Contains("in use", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What the runtime's spoiled start leaves: a socket listening on the port that nothing references, and the throw.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SpoiledStart(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(500);
        throw new ArgumentNullException("obj");
    }
}
