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
    public override string ListenHost => options.HealthHost;

    /// <inheritdoc />
    public override int ListenPort => options.HealthPort;

    /// <inheritdoc />
    protected override string Name => "Health endpoint";

    /// <inheritdoc />
    protected override string PortSetting => "EdgeAgent:Metrics:HealthPort";

    /// <inheritdoc />
    protected override HttpReply Reply(HttpGetRequest request)
    {
        var status = reporter.Current;
        return new HttpReply(status.Healthy ? 200 : 503, "application/json",
            JsonSerializer.SerializeToUtf8Bytes(status, StatusReporter.StatusJson.AgentStatus));
    }
}
