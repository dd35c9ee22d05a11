namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>Telemetry endpoints (<c>EdgeAgent:Metrics</c>). Everything listens on loopback unless configured otherwise.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve Prometheus metrics.</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Host name the Prometheus listener binds to.</summary>
    public string PrometheusHost { get; set; } = "127.0.0.1";

    /// <summary>Prometheus listener port (scrape path <c>/metrics</c>).</summary>
    public int PrometheusPort { get; set; } = 9464;

    /// <summary>OTLP collector endpoint, e.g. <c>http://collector:4317</c>; empty disables OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Serve the health endpoint.</summary>
    public bool HealthEnabled { get; set; } = true;

    /// <summary>Host name the health listener binds to.</summary>
    public string HealthHost { get; set; } = "127.0.0.1";

    /// <summary>Health listener port (any path answers; <c>/health</c> by convention).</summary>
    public int HealthPort { get; set; } = 9465;
}
