namespace EdgeToolkit.Compression.Quantization;

/// <summary>A calibrated float range [Min, Max] of one tensor.</summary>
/// <param name="Min">Lower bound.</param>
/// <param name="Max">Upper bound.</param>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>Width of the range.</summary>
    public float Width => Max - Min;
}
