using System.Globalization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>What the accuracy-aware fallback (<see cref="QuantizationOptions.MaxAccuracyDrop"/>) measured and kept in float.</summary>
/// <param name="MaxDropPoints">The limit, in top-1 percentage points.</param>
/// <param name="Images">Held-out images evaluated.</param>
/// <param name="Fp32Top1">Top-1 of the float model on them (0..1).</param>
/// <param name="FirstInt8Top1">Top-1 of the int8 model before any fallback (0..1).</param>
/// <param name="Int8Top1">Top-1 of the returned int8 model (0..1).</param>
/// <param name="FloatLayers">Layers kept in float to meet the limit, lowest output SQNR alone first (empty when none was needed).</param>
/// <param name="FloatLayerSqnrDb">The model-output SQNR (dB) with only that layer of <paramref name="FloatLayers"/> quantized (<see cref="LayerSqnr.OutputDb"/>), the ranking.</param>
public sealed record AccuracyFallback(double MaxDropPoints, int Images, double Fp32Top1, double FirstInt8Top1, double Int8Top1, IReadOnlyList<string> FloatLayers,
    IReadOnlyList<double> FloatLayerSqnrDb)
{
    /// <summary>The reason the fusion report gives for a layer this fallback kept float.</summary>
    public const string FloatReason = "max-drop: lowest output SQNR alone";

    /// <summary>Top-1 points lost by the returned int8 model.</summary>
    public double DropPoints => 100 * (Fp32Top1 - Int8Top1);

    /// <summary>One line for logs and provenance.</summary>
    public override string ToString()
    {
        string head = string.Create(CultureInfo.InvariantCulture,
            $"max-drop {MaxDropPoints:0.##} points on {Images} held-out images: fp32 {100 * Fp32Top1:F2} %, int8 {100 * FirstInt8Top1:F2} %");
        return FloatLayers.Count == 0
            ? head + " (within the limit)"
            : head + string.Create(CultureInfo.InvariantCulture, $" -> {100 * Int8Top1:F2} % with {FloatLayers.Count} layer{(FloatLayers.Count == 1 ? "" : "s")} in float: {string.Join(", ", FloatLayers)}");
    }
}
