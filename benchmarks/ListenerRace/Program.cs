// .NET's HttpListener accepts before it creates its connection table: a client connecting between listen() and the
// first accept spoils the start (HttpListenerStart, docs/agent.md). This starts and stops a listener N times while a
// client connects to its port in a loop and counts the starts HttpListenerStart had to repeat. The race's other path
// (the connection arrives just after the first accept went asynchronous) ends this process from a thread-pool thread,
// as it would end the agent; rerun when that happens.
// The port is taken below the kernel's ephemeral range: the client's own connection attempts take ephemeral ports, and
// one that drew the listener's port between two starts would connect to itself and hold the port.
// Usage: dotnet run -c Release --project benchmarks/ListenerRace [-- starts port]
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeToolkit.EdgeAgent.Telemetry;

int starts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
int port = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 29_465;
string prefix = $"http://127.0.0.1:{port}/";
using var stop = new CancellationTokenSource();
long connections = 0;
var client = new Thread(() =>
{
    while (!stop.IsCancellationRequested)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            Interlocked.Increment(ref connections);
        }
        catch (SocketException) { } // nobody listening between two starts
    }
});
client.Start();
int spoiled = 0, worst = 0;
var clock = System.Diagnostics.Stopwatch.StartNew();
for (int i = 0; i < starts; i++)
{
    using HttpListener listener = HttpListenerStart.Start(prefix, out int retries);
    spoiled += retries;
    worst = Math.Max(worst, retries);
}
stop.Cancel();
client.Join();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{starts} starts on {prefix} in {clock.Elapsed.TotalSeconds:F1} s with {connections} connections accepted meanwhile: {spoiled} spoiled by the accept race and repeated (at most {worst} in a row), none lost"));
