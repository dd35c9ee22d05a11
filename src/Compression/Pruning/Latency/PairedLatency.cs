namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// A network timed against a reference network in alternating rounds (<see cref="MobileNetLatencyModel.MeasurePaired"/>):
/// each round's two figures were taken on the same machine state, so their ratio holds while the machine's speed drifts.
/// </summary>
/// <param name="PlanMs">The plan's median latency of each round (ms).</param>
/// <param name="ReferenceMs">The reference's median latency of each round (ms).</param>
public sealed record PairedLatency(IReadOnlyList<double> PlanMs, IReadOnlyList<double> ReferenceMs)
{
    /// <summary>
    /// Plan / reference: the median of the rounds' ratios, taken on their logarithms (for an even count, the geometric
    /// mean of the middle two). The order alternates every round, so a drift that slows the second network of a round
    /// by a factor g gives ratios r·g and r/g, whose middle pair's geometric mean is r. The median rather than the mean
    /// of all rounds: the 2-core x86 VM these were measured on switches between two speeds (MobileNet v1 alpha 0.25 at
    /// 32x32: about 0.11 ms and 0.19 ms per run, a state lasting from a fraction of a second to several seconds, not
    /// counted as hypervisor steal; docs/pruning.md), so a round whose two networks straddle a switch is off by 1.7x, and
    /// two such rounds of eight moved the mean of the logarithms by 14 %, past the budget's 5 % tolerance; the median
    /// ignores them.
    /// </summary>
    public double Ratio => Median.OfRatios(PlanMs.Zip(ReferenceMs, (p, r) => p / r));
}
