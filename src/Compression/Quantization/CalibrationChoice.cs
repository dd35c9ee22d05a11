using System.Globalization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// What <see cref="CalibrationMethod.Auto"/> chose: each candidate method's SQNR at the model's last quantized layer
/// (the int8 model against float, the error of every layer before it included), on the calibration samples of
/// <see cref="QuantizationOptions.SqnrSamples"/>; the highest is kept, the first candidate on a tie.
/// Why the last layer's accumulated SQNR and not each layer's own: percentile clipping can score better on most layers alone and
/// still be worse at the end, because what it clips biases every layer after it (docs/quantization.md,
/// "Calibration methods").
/// </summary>
/// <param name="Chosen">The method kept.</param>
/// <param name="LastLayer">The layer compared (node name).</param>
/// <param name="Db">Each candidate's SQNR in dB at <paramref name="LastLayer"/>, in the order tried.</param>
public sealed record CalibrationChoice(CalibrationMethod Chosen, string LastLayer, IReadOnlyList<KeyValuePair<CalibrationMethod, double>> Db)
{
    /// <summary>The methods <see cref="CalibrationMethod.Auto"/> tries, in order (the first wins a tie): the default, then min/max.</summary>
    public static IReadOnlyList<CalibrationMethod> Candidates { get; } = [CalibrationMethod.Percentile, CalibrationMethod.MinMax];

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"auto -> {KebabCase.Name(Chosen)} (SQNR at {LastLayer}: {string.Join(", ", Db.Select(d => $"{KebabCase.Name(d.Key)} {d.Value:F1} dB"))})");
}
