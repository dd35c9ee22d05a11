using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Per-layer pruning sensitivity: for each layer alone, cut its output channels by each ratio
/// (25/50/75 % by default), re-estimate BatchNorm, and measure top-1 on a held-out slice of the
/// training set (the test set stays unseen). Layers whose accuracy barely moves can lose more
/// channels; <see cref="WidthSearch"/> turns the curves into a non-uniform plan. With a
/// <see cref="SensitivityAdaptation"/> each cut is also fine-tuned for a few batches before it is measured (NetAdapt).
/// </summary>
public static class SensitivityAnalysis
{
    /// <summary>The ratios measured by default.</summary>
    public static IReadOnlyList<double> DefaultRatios { get; } = [0.25, 0.5, 0.75];

    /// <summary>
    /// The ratios to measure when the uniform target removes <paramref name="removal"/> of every layer's channels:
    /// <see cref="DefaultRatios"/>, plus one halfway between that removal and all channels when the target removes as
    /// much as the deepest default cut or more. A per-layer plan at such a budget cuts some layers deeper than the
    /// target, and without a measured point there the drop is only extrapolated (measured at alpha 0.25 on Fashion-MNIST:
    /// a plan searched from 25/50/75 % cut one layer to 8 of 256 channels and lost 1.1 points against uniform alpha 0.25).
    /// </summary>
    /// <param name="removal">Share of channels the uniform target removes (1 - target alpha / source alpha).</param>
    public static IReadOnlyList<double> RatiosFor(double removal) =>
        removal >= DefaultRatios[^1] - 1e-9 && removal < 1 ? [.. DefaultRatios, (1 + removal) / 2] : DefaultRatios;

    /// <summary>Runs the analysis on <paramref name="source"/> (unchanged).</summary>
    /// <param name="source">The trained network.</param>
    /// <param name="spec">Its spec.</param>
    /// <param name="train">Training images: a seeded held-out slice is evaluated on, the rest recalibrates.</param>
    /// <param name="options">Ranking, recalibration images and seed of every cut.</param>
    /// <param name="heldOutImages">Size of the held-out slice.</param>
    /// <param name="ratios">Shares of channels removed, each in (0, 1).</param>
    /// <param name="progress">One line per layer (null = silent).</param>
    /// <param name="adaptation">A short distilled fine-tune after every cut, before it is measured (null = recalibration only).</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <exception cref="ArgumentException">A ratio outside (0, 1) or too few images; the message names the setting.</exception>
    public static SensitivityReport Run(MobileNetV1 source, ModelSpec spec, ImageDataset train, WidthCutOptions options,
        int heldOutImages = 500, IReadOnlyList<double>? ratios = null, IProgress<string>? progress = null,
        SensitivityAdaptation? adaptation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckRatios(ratios ?? DefaultRatios);
        var slice = HeldOutSlice.Create(source, spec, train, options, heldOutImages, adaptation, cancellationToken);
        return Run(slice, ratios, progress, cancellationToken);
    }

    /// <summary>Runs the analysis on the network <paramref name="slice"/> was made for (unchanged), measuring every cut on the slice.</summary>
    /// <param name="slice">The held-out slice, recalibration images and channel scores (<see cref="HeldOutSlice.Create"/>).</param>
    /// <param name="ratios">Shares of channels removed, each in (0, 1).</param>
    /// <param name="progress">One line per layer (null = silent).</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <exception cref="ArgumentException">A ratio outside (0, 1); the message names the setting.</exception>
    public static SensitivityReport Run(HeldOutSlice slice, IReadOnlyList<double>? ratios = null, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slice);
        ratios ??= DefaultRatios;
        CheckRatios(ratios);
        double baseline = slice.SourceAccuracy(cancellationToken);
        var layers = new List<LayerSensitivity>();
        var plan = slice.SourcePlan;
        for (int layer = 0; layer < plan.Count; layer++)
        {
            var accuracy = new List<double>();
            foreach (double ratio in ratios)
            {
                var target = plan.ToArray();
                target[layer] = Math.Max(1, (int)Math.Round(plan[layer] * (1 - ratio)));
                accuracy.Add(slice.Accuracy(target, cancellationToken));
            }
            layers.Add(new LayerSensitivity($"features.{layer}", plan[layer], ratios.ToArray(), accuracy));
            progress?.Report($"sensitivity: features.{layer} ({plan[layer]} channels): {string.Join(", ", ratios.Select((r, i) => $"-{r:P0} {accuracy[i]:P1}"))}");
        }
        return new SensitivityReport(baseline, slice.HeldOut.Count, slice.Cut.RecalibrationImages, slice.Cut.Importance.ToString(), layers)
        {
            AdaptationBatches = slice.AdaptationBatches,
        };
    }

    private static void CheckRatios(IReadOnlyList<double> ratios)
    {
        foreach (double r in ratios)
        {
            if (!(r > 0 && r < 1)) throw new ArgumentException($"sensitivityRatios: each ratio must be in (0, 1) but one was {r}.", nameof(ratios));
        }
    }
}
