using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The agent's small HTTP servers (health endpoint, live page, Prometheus scrape): one <see cref="HttpGetServer"/> on
/// <see cref="ListenHost"/>:<see cref="ListenPort"/>, each connection served on the thread pool so a slow client holds
/// up no other request and never the inference loop. The server listens while the host starts (a client that connects
/// at that moment is served); a port that cannot be bound is logged naming <see cref="PortSetting"/> and the server stays
/// off; the agent keeps running.
/// </summary>
/// <param name="name">What the server is, for log lines (e.g. "Health endpoint").</param>
/// <param name="host">The address or name listened on (<c>127.0.0.1</c> keeps it on the device; <c>*</c> every interface).</param>
/// <param name="port">The port listened on.</param>
/// <param name="portSetting">The setting that chooses the port, named when it cannot be bound.</param>
/// <param name="logger">Receives the start, bind failures and request errors.</param>
public abstract class HttpEndpointService(string name, string host, int port, string portSetting, ILogger logger) : BackgroundService
{
    private HttpGetServer? server;

    /// <summary>The logger given to the constructor.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>The address or name listened on.</summary>
    public string ListenHost { get; } = host;

    /// <summary>The port listened on.</summary>
    public int ListenPort { get; } = port;

    /// <summary>What the server is, for log lines.</summary>
    protected string Name { get; } = name;

    /// <summary>The setting that chooses the port, named when it cannot be bound.</summary>
    protected string PortSetting { get; } = portSetting;

    /// <summary>The URL served, e.g. <c>http://127.0.0.1:9465/</c>, for log lines.</summary>
    public string Prefix => ListenHost.Contains(':', StringComparison.Ordinal) && !ListenHost.StartsWith('[')
        ? $"http://[{ListenHost}]:{ListenPort}/" : $"http://{ListenHost}:{ListenPort}/";

    /// <summary>The answer to one GET or HEAD request (the server answers other methods 405 itself).</summary>
    protected abstract HttpReply Reply(HttpGetRequest request);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            server = HttpGetServer.Start(ListenHost, ListenPort, Reply, Logger);
        }
        catch (SocketException e)
        {
            Logger.LogError("{Name} {Prefix} cannot listen: {Error} ({Setting})", Name, Prefix, e.Message, PortSetting);
            return;
        }
        Logger.LogInformation("{Name} on {Prefix}", Name, Prefix);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await server.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}
