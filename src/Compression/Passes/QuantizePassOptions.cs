using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="QuantizePass"/>: the quantizer settings.</summary>
/// <param name="Quantization">Settings handed to <see cref="QdqQuantizer"/>.</param>
public sealed record QuantizePassOptions(QuantizationOptions Quantization)
{
    /// <summary>
    /// Accuracy-aware fallback (<see cref="QuantizationOptions.MaxAccuracyDrop"/>): recipe <c>maxDrop</c>, CLI <c>--max-drop</c>.
    /// Off when not given (<see cref="DoublePassOption.Default"/> is unused).
    /// </summary>
    public static DoublePassOption MaxDrop { get; } = new("maxDrop", 0, 0, 100,
        "Most top-1 points int8 may lose against fp32 on held-out training images (not used for calibration), preprocessed as the device does; " +
        "layers stay float, lowest SQNR first, until it holds (off when not given)");

    /// <summary>Held-out images for <see cref="MaxDrop"/>: recipe <c>heldOutImages</c>, CLI <c>--held-out-images</c> (or <c>--held-out</c>).</summary>
    public static IntPassOption HeldOut { get; } = new("heldOutImages", 1000, 100, 1_000_000,
        "Training images held out from calibration on which --max-drop measures top-1") { CliAliases = ["--held-out"] };

    /// <summary>
    /// fp32 against int8 latency on this machine after quantizing (<see cref="LatencyComparison"/>) when the target is this
    /// machine: recipe <c>latencyCheck</c>, CLI <c>--latency-check</c>.
    /// </summary>
    public static EnumPassOption<LatencyCheckMode> LatencyCheck { get; } = new("latencyCheck", LatencyCheckMode.Warn,
        "When the target is this machine, time fp32 and int8 after quantizing: warn when int8 is not faster, fail (write nothing), or off");

    /// <summary>Intra-op threads of <see cref="LatencyCheck"/>'s measurement: recipe <c>latencyThreads</c>, CLI <c>--latency-threads</c>.</summary>
    public static IntPassOption LatencyThreadsOption { get; } = new("latencyThreads", 2, 1, 256,
        "ONNX Runtime intra-op threads for the fp32/int8 latency check (use the device's setting)");

    /// <summary>What to do about int8 latency on this machine.</summary>
    public LatencyCheckMode LatencyCheckMode { get; init; } = LatencyCheck.Default;

    /// <summary>Threads of the latency check.</summary>
    public int LatencyThreads { get; init; } = LatencyThreadsOption.Default;

    /// <summary>Held-out images on which <see cref="QuantizationOptions.MaxAccuracyDrop"/> measures top-1.</summary>
    public int HeldOutImages { get; init; } = HeldOut.Default;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static QuantizePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = QuantizationOptions.Default;
        string method = r.String("method", d.Method.ToString().ToLowerInvariant(), ["minmax", "percentile", "entropy"])!;
        var o = d with
        {
            CalibrationCount = r.Int("calibrationImages", d.CalibrationCount, 1, 1_000_000),
            Method = method switch
            {
                "percentile" => CalibrationMethod.Percentile,
                "entropy" => CalibrationMethod.Entropy,
                _ => CalibrationMethod.MinMax,
            },
            Percentile = r.Double("percentile", d.Percentile, 50, 100),
            ActivationType = r.String("activations", "auto", ["auto", "int8", "uint8"]) switch
            {
                "uint8" => QuantizedActivationType.UInt8,
                "int8" => QuantizedActivationType.Int8,
                _ => QuantizedActivationType.Auto,
            },
            ExcludedNodes = r.StringList("exclude") ?? [],
            EqualizeLayers = r.Bool("equalize", d.EqualizeLayers),
            ReduceWeightRange = r.Bool("reduceRange", d.ReduceWeightRange),
            CorrectBias = r.Bool("biasCorrection", d.CorrectBias),
            MaxAccuracyDrop = r.Double(MaxDrop.Key, double.NaN, MaxDrop.Min, MaxDrop.Max) is var drop && double.IsNaN(drop) ? null : drop,
        };
        int heldOut = HeldOut.Read(r);
        var latencyCheck = LatencyCheck.Read(r);
        int latencyThreads = LatencyThreadsOption.Read(r);
        var floatLayers = r.StringList("floatLayers");
        string target = r.String("target", QuantizationTargetNames.Format(d.Target), QuantizationTargetNames.Known.ToArray())!;
        r.RejectUnknown("the quantize pass");
        try
        {
            if (floatLayers is not null) o = o with { FloatLayers = FloatLayerNames.Parse(floatLayers, "floatLayers") };
            o = o with { Target = QuantizationTargetNames.Parse(target, "target") };
            return new QuantizePassOptions(o.Validate()) { HeldOutImages = heldOut, LatencyCheckMode = latencyCheck, LatencyThreads = latencyThreads };
        }
        catch (ArgumentException e)
        {
            throw new RecipeException($"{r.File}: {r.Path}: {e.Message}", e);
        }
    }
}
