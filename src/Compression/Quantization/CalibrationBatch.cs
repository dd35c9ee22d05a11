namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// One batch of preprocessed model input for calibration (the C# counterpart of ONNX Runtime's
/// <c>CalibrationDataReader</c>): row-major float data and its shape, batch first, e.g. [N, C, H, W].
/// </summary>
/// <param name="Data">The values, exactly the product of <paramref name="Shape"/> of them.</param>
/// <param name="Shape">The tensor shape, batch dimension first.</param>
public sealed record CalibrationBatch(float[] Data, long[] Shape)
{
    /// <summary>Number of samples (the first dimension).</summary>
    public int Count => Shape.Length == 0 ? 0 : (int)Shape[0];

    /// <summary>Throws naming the batch index when the data length does not match the shape.</summary>
    public void Validate(int index)
    {
        if (Shape.Length < 1 || Shape.Any(d => d <= 0))
            throw new QuantizationException($"calibration batch {index}: shape [{string.Join(", ", Shape)}] must have positive dimensions, batch first");
        long expected = 1;
        foreach (long d in Shape) expected *= d;
        if (Data.LongLength != expected)
            throw new QuantizationException($"calibration batch {index}: {Data.LongLength} values for shape [{string.Join(", ", Shape)}] (expected {expected})");
    }
}
