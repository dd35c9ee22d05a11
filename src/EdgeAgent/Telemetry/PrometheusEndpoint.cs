using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint, <c>GET http://127.0.0.1:9464/metrics</c> (<c>EdgeAgent:Metrics:Prometheus*</c>):
/// <see cref="PrometheusScrape"/>'s text, collected per request; 503 until the meter provider has started; 404 on any
/// other path.
/// </summary>
public sealed class PrometheusEndpoint : HttpEndpointService
{
    private static readonly HttpReply NotReady = HttpReply.Text(503, "metrics not collected yet");
    private readonly PrometheusScrape scrape;

    /// <summary>Creates the endpoint.</summary>
    public PrometheusEndpoint(AgentOptions options, PrometheusScrape scrape, ILogger<PrometheusEndpoint> logger)
        : base("Prometheus endpoint", Metrics(options).PrometheusHost, Metrics(options).PrometheusPort, "EdgeAgent:Metrics:PrometheusPort", logger) =>
        this.scrape = scrape;

    private static MetricsOptions Metrics(AgentOptions options) => (options ?? throw new ArgumentNullException(nameof(options))).Metrics;

    /// <inheritdoc />
    protected override HttpReply Reply(HttpGetRequest request) => request.Path == "/metrics"
        ? scrape.Scrape() is { } text ? new HttpReply(200, PrometheusScrape.ContentType, text) : NotReady
        : HttpReply.Text(404, "not found: the scrape path is /metrics");
}
