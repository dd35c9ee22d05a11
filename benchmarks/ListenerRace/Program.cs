// A client connecting while an HTTP server starts: .NET's HttpListener accepts before it creates its connection table, so
// such a client spoils the start (ArgumentNullException, the port left bound) or ends the process from a thread-pool
// thread (docs/agent.md). The agent serves with HttpGetServer instead. This starts and stops a server N times on one port
// (each up to its first answer, at most 2 ms) while a client connects and sends a GET in a loop, and counts starts, whole answers, connections refused or reset
// between starts, and malformed answers (must be 0).
//   server (default): HttpGetServer, the agent's server.
//   httplistener: the runtime's HttpListener, for comparison: stops at the first spoiled start (its port stays bound),
//                 or the process ends on the race's other path.
// The port is taken below the kernel's ephemeral range: the client's own connection attempts take ephemeral ports, and
// one that drew the listener's port between two starts would connect to itself and hold the port.
// Usage: dotnet run -c Release --project benchmarks/ListenerRace [-- server|httplistener starts port]
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

string mode = args.Length > 0 ? args[0] : "server";
int starts = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
int port = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 29_465;
if (mode is not ("server" or "httplistener")) { Console.Error.WriteLine($"mode '{mode}' is not one of server, httplistener"); return 2; }
using var stop = new CancellationTokenSource();
long answered = 0, refused = 0, malformed = 0;
byte[] request = Encoding.ASCII.GetBytes("GET /race HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
var client = new Thread(() =>
{
    byte[] buffer = new byte[4096];
    while (!stop.IsCancellationRequested)
    {
        try
        {
            using var c = new TcpClient();
            c.ReceiveTimeout = 5000;
            c.Connect(IPAddress.Loopback, port);
            var s = c.GetStream();
            s.Write(request);
            var answer = new StringBuilder();
            int n;
            while ((n = s.Read(buffer)) > 0) answer.Append(Encoding.Latin1.GetString(buffer, 0, n));
            string text = answer.ToString();
            if (text.Length == 0) continue; // closed by a stop before an answer
            if (text.StartsWith("HTTP/1.1 200 OK", StringComparison.Ordinal) && text.EndsWith("race", StringComparison.Ordinal)) answered++;
            else malformed++;
        }
        catch (Exception e) when (e is SocketException or IOException) { refused++; } // nobody listening between two starts, or reset
    }
});
client.Start();
var clock = System.Diagnostics.Stopwatch.StartNew();
int done = 0;
string? spoiled = null;
for (; done < starts && spoiled is null; done++)
{
    if (mode == "server")
    {
        var server = HttpGetServer.Start("127.0.0.1", port, _ => HttpReply.Text(200, "race"), NullLogger.Instance);
        SpinWait.SpinUntil(() => server.Served > 0, 2); // up until it answered once, at most 2 ms
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
    else
    {
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        try { listener.Start(); }
        catch (ArgumentNullException e) { spoiled = e.Message; }
        if (spoiled is null)
        {
            var serving = Task.Run(() =>
            {
                try
                {
                    var ctx = listener.GetContext();
                    byte[] body = "race"u8.ToArray();
                    ctx.Response.ContentLength64 = body.Length;
                    ctx.Response.OutputStream.Write(body);
                    ctx.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
            });
            serving.Wait(2); // up until it answered once, at most 2 ms
            listener.Stop();
            serving.Wait();
        }
    }
}
stop.Cancel();
client.Join();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{mode}: {done} starts on 127.0.0.1:{port} in {clock.Elapsed.TotalSeconds:F1} s; client: {answered} whole answers, {refused} refused or reset between starts, {malformed} malformed"));
if (spoiled is not null) Console.WriteLine($"start {done} spoiled by a client connecting: ArgumentNullException ({spoiled}); the port stays bound, so the run ends here");
return malformed == 0 && spoiled is null ? 0 : 1;
