namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>Median and 99th percentile of one stage, in milliseconds.</summary>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
public sealed record LivePercentiles(double P50, double P99);
