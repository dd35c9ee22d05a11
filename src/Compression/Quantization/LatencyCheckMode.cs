namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// What quantization does about speed when the target is this machine: time fp32 against int8
/// (<see cref="LatencyComparison"/>) and warn, refuse, or skip the check.
/// </summary>
public enum LatencyCheckMode
{
    /// <summary>Measure and say plainly when int8 is not faster than fp32 (the bundle is still written).</summary>
    Warn,

    /// <summary>Measure and refuse to write an int8 bundle that is not faster than fp32 on this machine.</summary>
    Fail,

    /// <summary>Do not measure.</summary>
    Off,
}
