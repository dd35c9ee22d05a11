using System.Net;
using System.Text;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// A tiny HTTP listener (loopback by default) answering every GET with the status JSON: 200 when a model
/// serves and frames flow, 503 otherwise.
/// </summary>
public sealed class HealthEndpoint : HttpListenerService
{
    private readonly MetricsOptions options;
    private readonly StatusReporter reporter;

    /// <summary>Creates the endpoint.</summary>
    public HealthEndpoint(AgentOptions options, StatusReporter reporter, ILogger<HealthEndpoint> logger)
        : base(logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Metrics;
        this.reporter = reporter;
    }

    /// <inheritdoc />
    public override string Prefix => $"http://{options.HealthHost}:{options.HealthPort}/";

    /// <inheritdoc />
    protected override string Name => "Health endpoint";

    /// <inheritdoc />
    protected override string PortSetting => "EdgeAgent:Metrics:HealthPort";

    /// <inheritdoc />
    protected override Task HandleAsync(HttpListenerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = reporter.Current;
        return WriteAsync(context.Response, status.Healthy ? 200 : 503, "application/json",
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(status, StatusReporter.StatusJson.AgentStatus)), ct);
    }
}
