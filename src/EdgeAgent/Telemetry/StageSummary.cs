namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>Latency summary of one stage, in milliseconds.</summary>
/// <param name="Count">Samples.</param>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Maximum (exact).</param>
/// <param name="Mean">Mean (exact).</param>
public sealed record StageSummary(long Count, double P50, double P90, double P99, double Max, double Mean);
