namespace EdgeToolkit.EdgeAgent.Rollout;

/// <summary>Which p95 latencies the canary gate compares with the baseline (<c>--p95-figures</c>).</summary>
public enum GatedP95
{
    /// <summary>Total (capture to result, queueing included) and inference p95: the default.</summary>
    Both,

    /// <summary>
    /// Inference p95 only: for busy devices, where queueing behind other work moves the total p95 of an unchanged model
    /// (measured at load 25: 16 -> 62 ms) while its inference p95 stays put.
    /// </summary>
    Inference,
}
