namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// One batch of preprocessed held-out images with their labels, for the accuracy check of
/// <see cref="QuantizationOptions.MaxAccuracyDrop"/>: float data [N, C, H, W] and one class index per image.
/// </summary>
/// <param name="Data">The values, exactly the product of <paramref name="Shape"/> of them.</param>
/// <param name="Shape">The tensor shape, batch dimension first.</param>
/// <param name="Labels">The true class of each image.</param>
public sealed record LabeledBatch(float[] Data, long[] Shape, long[] Labels);
