namespace EdgeToolkit.Compression.Quantization;

/// <summary>A calibrated float range [Min, Max] of one tensor.</summary>
/// <param name="Min">Lower bound.</param>
/// <param name="Max">Upper bound.</param>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>Width of the range.</summary>
    public float Width => Max - Min;

    /// <summary>
    /// The end that the quantization grid must represent exactly (besides 0), when there is one: the graph input's
    /// (<see cref="QuantizationOptions.ExactInputEnds"/>), whose ends are real, repeated pixel values (a black or white
    /// background, the padding). <see cref="RangeEnd.None"/>: ONNX Runtime's scale and zero point.
    /// </summary>
    public RangeEnd ExactEnd { get; init; }
}
