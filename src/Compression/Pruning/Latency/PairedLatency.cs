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
    /// Plan / reference: the geometric mean of the rounds' ratios. The order alternates every round, so a drift that
    /// slows the second network of a round by a factor g gives ratios r·g and r/g, whose geometric mean is r.
    /// </summary>
    public double Ratio => Math.Exp(PlanMs.Zip(ReferenceMs, (p, r) => Math.Log(p / r)).Average());
}
