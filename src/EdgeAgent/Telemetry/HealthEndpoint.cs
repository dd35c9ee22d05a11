using System.Text.Json;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// A tiny HTTP server (loopback by default) answering every GET (any path, <c>/health</c> by convention) with the
/// status JSON: 200 when a model serves and frames flow, 503 otherwise.
/// </summary>
public sealed class HealthEndpoint : HttpEndpointService
{
    private readonly StatusReporter reporter;

    /// <summary>Creates the endpoint.</summary>
    public HealthEndpoint(AgentOptions options, StatusReporter reporter, ILogger<HealthEndpoint> logger)
        : base("Health endpoint", Metrics(options).HealthHost, Metrics(options).HealthPort, "EdgeAgent:Metrics:HealthPort", logger) =>
        this.reporter = reporter;

    private static MetricsOptions Metrics(AgentOptions options) => (options ?? throw new ArgumentNullException(nameof(options))).Metrics;

    /// <inheritdoc />
    protected override HttpReply Reply(HttpGetRequest request)
    {
        var status = reporter.Current;
        return new HttpReply(status.Healthy ? 200 : 503, "application/json",
            JsonSerializer.SerializeToUtf8Bytes(status, StatusReporter.StatusJson.AgentStatus));
    }
}
