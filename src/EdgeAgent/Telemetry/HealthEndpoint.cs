using System.Net;
using System.Text;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// A tiny HTTP listener (loopback by default) answering every GET with the status JSON: 200 when a model
/// serves and frames flow, 503 otherwise.
/// </summary>
public sealed class HealthEndpoint : BackgroundService
{
    private readonly MetricsOptions options;
    private readonly StatusReporter reporter;
    private readonly ILogger logger;
    private HttpListener? listener;

    /// <summary>Creates the endpoint.</summary>
    public HealthEndpoint(AgentOptions options, StatusReporter reporter, ILogger<HealthEndpoint> logger)
    {
        this.options = options.Metrics;
        this.reporter = reporter;
        this.logger = logger;
    }

    /// <summary>The prefix served, e.g. <c>http://127.0.0.1:9465/</c>.</summary>
    public string Prefix => $"http://{options.HealthHost}:{options.HealthPort}/";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        listener = new HttpListener();
        listener.Prefixes.Add(Prefix);
        try
        {
            listener.Start();
        }
        catch (HttpListenerException e)
        {
            logger.LogError("Health endpoint {Prefix} cannot listen: {Error} (EdgeAgent:Metrics:HealthPort)", Prefix, e.Message);
            return;
        }
        logger.LogInformation("Health endpoint on {Prefix}", Prefix);
        using var stop = stoppingToken.Register(() =>
        {
            try { listener.Stop(); } catch (ObjectDisposedException) { }
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { break; }
            try
            {
                var status = reporter.Current;
                byte[] body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(status, StatusReporter.Json));
                context.Response.StatusCode = status.Healthy ? 200 : 503;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body, stoppingToken).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                logger.LogDebug("Health request failed: {Error}", e.Message);
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        listener?.Close();
    }
}
