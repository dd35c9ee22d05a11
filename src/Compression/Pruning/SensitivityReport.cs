using System.Text.Json;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Per-layer pruning sensitivity (<see cref="SensitivityAnalysis"/>), saved as <c>sensitivity.json</c>:
/// <c>{"layers":[{"name","channels","ratios","accuracy"}],"baseline",...}</c>.
/// </summary>
/// <param name="Baseline">Top-1 of the unpruned network on the held-out slice.</param>
/// <param name="HeldOutImages">Size of the held-out slice of the training set the accuracies are measured on.</param>
/// <param name="RecalibrationImages">Training images (outside the slice) each cut's BatchNorm is re-estimated on.</param>
/// <param name="Importance">Channel ranking used for every cut.</param>
/// <param name="Layers">One row per layer, stem first.</param>
public sealed record SensitivityReport(double Baseline, int HeldOutImages, int RecalibrationImages, string Importance, IReadOnlyList<LayerSensitivity> Layers)
{
    /// <summary>File name inside the prune pass folder.</summary>
    public const string FileName = "sensitivity.json";

    /// <summary>Distilled fine-tuning batches each cut got before it was measured (<see cref="SensitivityAdaptation"/>; 0 = recalibration only).</summary>
    public int AdaptationBatches { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Estimated accuracy drop (in [0, 1], never negative) when layer <paramref name="layer"/> keeps
    /// <paramref name="keptFraction"/> of its channels: piecewise-linear between the measured ratios
    /// (no drop at 0 removed, chance-level 0 accuracy at all removed), made monotone.
    /// </summary>
    public double Drop(int layer, double keptFraction)
    {
        var row = Layers[layer];
        double removed = Math.Clamp(1 - keptFraction, 0, 1);
        var xs = new List<double> { 0 };
        var drops = new List<double> { 0 };
        for (int i = 0; i < row.Ratios.Count; i++)
        {
            xs.Add(row.Ratios[i]);
            drops.Add(Math.Max(drops[^1], Baseline - row.Accuracy[i]));
        }
        xs.Add(1);
        drops.Add(Math.Max(drops[^1], Baseline));
        for (int i = 1; i < xs.Count; i++)
        {
            if (removed <= xs[i])
            {
                double t = xs[i] > xs[i - 1] ? (removed - xs[i - 1]) / (xs[i] - xs[i - 1]) : 1;
                return Math.Max(0, drops[i - 1] + t * (drops[i] - drops[i - 1]));
            }
        }
        return Math.Max(0, drops[^1]);
    }

    /// <summary>
    /// Fewest channels a search may leave each layer: what its deepest measured cut keeps, rounded up to
    /// <paramref name="granularity"/>. Below it <see cref="Drop"/> is a straight line to chance, not a measurement, and
    /// a plan built there is a guess: at alpha 0.25 on the AVX2-only AMD EPYC (session 16) the latency search, free to
    /// go below, cut four 512-channel layers to 8 (98 %, measured to 87.5 %) and the plan ended 4.0 points below
    /// uniform alpha 0.25 (73.66 % against 77.69 %; 10.30 % right after the cut with BatchNorm recalibration).
    /// </summary>
    public IReadOnlyList<int> MeasuredFloor(int granularity) =>
        [.. Layers.Select(l => l.Ratios.Count == 0 ? granularity
            : Math.Max(granularity, (int)Math.Ceiling(l.Channels * (1 - l.Ratios.Max()) / granularity - 1e-9) * granularity))];

    /// <summary>
    /// Standard error of <see cref="Baseline"/> as a share (sqrt(p (1 - p) / n) on the <see cref="HeldOutImages"/>):
    /// differences between cuts smaller than about two of these are noise of the slice, not sensitivity.
    /// </summary>
    public double StandardError => HeldOutImages > 0 ? Math.Sqrt(Math.Clamp(Baseline, 0, 1) * (1 - Math.Clamp(Baseline, 0, 1)) / HeldOutImages) : double.NaN;

    /// <summary>
    /// Layers whose accuracy falls by more than two <see cref="StandardError"/>s at some measured cut: the ones the analysis
    /// can tell apart from an insensitive layer. The others rank by noise, and a plan searched on them follows it.
    /// </summary>
    public int LayersAboveNoise => Layers.Count(l => l.Accuracy.Any(a => Baseline - a > NoiseMultiple * StandardError));

    /// <summary>How many standard errors a drop must exceed to count in <see cref="LayersAboveNoise"/>.</summary>
    public const double NoiseMultiple = 2;

    /// <summary>
    /// One line for the log: baseline, standard error and <see cref="LayersAboveNoise"/>; when fewer than half the layers
    /// are above the noise, what more held-out images would give (the standard error falls with their square root).
    /// </summary>
    /// <param name="imagesSetting">The setting that sizes the slice, as the user wrote it (<c>--sensitivity-images</c>, <c>sensitivityImages</c>).</param>
    public string NoiseSummary(string imagesSetting)
    {
        double se = StandardError * 100;
        string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"sensitivity: baseline {Baseline:P1} on {HeldOutImages} held-out images (standard error {se:F1} points); {LayersAboveNoise} of {Layers.Count} layers lose more than {NoiseMultiple:G} standard errors at some cut");
        if (LayersAboveNoise * 2 >= Layers.Count) return line;
        return line + string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $". warning: the other layers cannot be ranked, so a plan chosen from them follows noise; with {imagesSetting} at {HeldOutImages * 4} the standard error would halve");
    }

    /// <summary>Writes the report as <see cref="FileName"/> in <paramref name="folder"/> (temp name + rename).</summary>
    public string Write(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Reads a report written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">Not a sensitivity report (the file is named).</exception>
    public static SensitivityReport Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SensitivityReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty sensitivity report.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a sensitivity report ({e.Message})", e);
        }
    }
}
