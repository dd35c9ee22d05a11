using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Options of <see cref="QuantizePass"/>: the quantizer settings, declared once (<see cref="Declared"/>) for recipes and
/// <c>edgekit quantize</c>, with the defaults of <see cref="QuantizationOptions.Default"/>.
/// </summary>
/// <param name="Quantization">Settings handed to <see cref="QdqQuantizer"/>.</param>
public sealed record QuantizePassOptions(QuantizationOptions Quantization)
{
    private static QuantizationOptions D => QuantizationOptions.Default;

    /// <summary>How activation ranges are computed (<see cref="QuantizationOptions.Method"/>).</summary>
    public static EnumPassOption<CalibrationMethod> MethodOption { get; } = new("method", D.Method,
        "Calibration method: the observed range, a percentile of |x|, the KL-optimal clip (entropy), or auto (percentile and minmax both tried, the one closer to float at the last layer kept)");

    /// <summary>Percentile of |x| kept by the percentile method (<see cref="QuantizationOptions.Percentile"/>).</summary>
    public static DoublePassOption PercentileOption { get; } = new("percentile", D.Percentile, 50, 100, "Percentile of |x| kept by --method percentile");

    /// <summary>Calibration images (<see cref="QuantizationOptions.CalibrationCount"/>): recipe <c>calibrationImages</c>, CLI <c>--calibration-images</c> (or <c>--calibration</c>).</summary>
    public static IntPassOption CalibrationImagesOption { get; } = new("calibrationImages", D.CalibrationCount, 1, 1_000_000,
        "Number of calibration images, an even spread of the training split") { CliAliases = ["--calibration"] };

    /// <summary>Node names kept in float (<see cref="QuantizationOptions.ExcludedNodes"/>).</summary>
    public static StringListPassOption ExcludeOption { get; } = new("exclude", D.ExcludedNodes,
        "Node names kept in float (e.g. the first conv or the classifier)");

    /// <summary>Layers kept in float by position (<see cref="QuantizationOptions.FloatLayers"/>).</summary>
    public static StringListPassOption FloatLayersOption { get; } = new("floatLayers", FloatLayerNames.Format(D.FloatLayers).Split(','),
        "Layers kept in float by position (none = quantize all)") { Allowed = FloatLayerNames.Known };

    /// <summary>Integer type of the activations (<see cref="QuantizationOptions.ActivationType"/>).</summary>
    public static EnumPassOption<QuantizedActivationType> ActivationsOption { get; } = new("activations", D.ActivationType,
        "Activation type (auto = chosen for --target)");

    /// <summary>The CPU family the model will run on (<see cref="QuantizationOptions.Target"/>).</summary>
    public static EnumPassOption<QuantizationTarget> TargetOption { get; } = new("target", D.Target,
        "CPU family the model will run on (decides the activation type)");

    /// <summary>Symmetric activations (<see cref="QuantizationOptions.SymmetricActivations"/>).</summary>
    public static BoolPassOption SymmetricOption { get; } = new("symmetric", D.SymmetricActivations, "Symmetric activations (zero point at the middle of the type)");

    /// <summary>One weight scale per tensor (the opposite of <see cref="QuantizationOptions.PerChannel"/>).</summary>
    public static BoolPassOption PerTensorOption { get; } = new("perTensor", !D.PerChannel, "One weight scale per tensor instead of per output channel");

    /// <summary>Also quantize the logits (<see cref="QuantizationOptions.QuantizeOutputs"/>).</summary>
    public static BoolPassOption QuantizeOutputOption { get; } = new("quantizeOutput", D.QuantizeOutputs, "Also quantize the logits (kept float by default)");

    /// <summary>Cross-layer equalization (<see cref="QuantizationOptions.EqualizeLayers"/>).</summary>
    public static BoolPassOption EqualizeOption { get; } = new("equalize", D.EqualizeLayers,
        "Cross-layer equalization of Conv -> Relu -> Conv chains before calibration (float function unchanged)");

    /// <summary>ONNX Runtime's grid for the graph input (the opposite of <see cref="QuantizationOptions.ExactInputEnds"/>).</summary>
    public static BoolPassOption OrtInputGridOption { get; } = new("ortInputGrid", !D.ExactInputEnds,
        "Quantize the graph input with ONNX Runtime's scale and zero point (its min and max may fall half a step off the grid) instead of a grid that holds them exactly");

    /// <summary>7-bit weights (<see cref="QuantizationOptions.ReduceWeightRange"/>).</summary>
    public static BoolPassOption ReduceRangeOption { get; } = new("reduceRange", D.ReduceWeightRange, "7-bit weights on every target (always on for the x64 target, x86 without VNNI, where full-range u8*s8 pair sums overflow)");

    /// <summary>Bias correction (<see cref="QuantizationOptions.CorrectBias"/>).</summary>
    public static BoolPassOption BiasCorrectionOption { get; } = new("biasCorrection", D.CorrectBias,
        "Shift each Conv/Gemm bias by the mean error its int8 form adds to that output channel (measured on calibration images)");

    /// <summary>Accuracy-aware fallback (<see cref="QuantizationOptions.MaxAccuracyDrop"/>): recipe <c>maxDrop</c>, CLI <c>--max-drop</c>; off when not given.</summary>
    public static OptionalDoublePassOption MaxDrop { get; } = new("maxDrop", 0, 100,
        "Most top-1 points int8 may lose against fp32 on held-out training images (not used for calibration), preprocessed as the device does; " +
        "layers stay float, lowest SQNR first, until it holds");

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

    /// <summary>Every setting of the pass, in help order.</summary>
    public static IReadOnlyList<PassOption> Declared =>
    [
        MethodOption, PercentileOption, CalibrationImagesOption, ExcludeOption, FloatLayersOption, ActivationsOption, TargetOption,
        SymmetricOption, PerTensorOption, QuantizeOutputOption, EqualizeOption, ReduceRangeOption, OrtInputGridOption, MaxDrop, HeldOut, BiasCorrectionOption,
        LatencyCheck, LatencyThreadsOption,
    ];

    /// <summary>Held-out images on which <see cref="QuantizationOptions.MaxAccuracyDrop"/> measures top-1.</summary>
    public int HeldOutImages { get; init; } = HeldOut.Default;

    /// <summary>What to do about int8 latency on this machine.</summary>
    public LatencyCheckMode LatencyCheckMode { get; init; } = LatencyCheck.Default;

    /// <summary>Threads of the latency check.</summary>
    public int LatencyThreads { get; init; } = LatencyThreadsOption.Default;

    /// <summary>Builds and validates the options from the values of <see cref="Declared"/> (a recipe entry or the command line).</summary>
    /// <exception cref="ArgumentException">A combination the quantizer refuses, naming the setting.</exception>
    public static QuantizePassOptions Bind(IPassOptionValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var o = D with
        {
            Method = values.Get(MethodOption),
            Percentile = values.Get(PercentileOption),
            CalibrationCount = values.Get(CalibrationImagesOption),
            ExcludedNodes = values.Get(ExcludeOption),
            FloatLayers = FloatLayerNames.Parse(values.Get(FloatLayersOption), values.NameOf(FloatLayersOption)),
            ActivationType = values.Get(ActivationsOption),
            Target = values.Get(TargetOption),
            SymmetricActivations = values.Get(SymmetricOption),
            PerChannel = !values.Get(PerTensorOption),
            QuantizeOutputs = values.Get(QuantizeOutputOption),
            EqualizeLayers = values.Get(EqualizeOption),
            ReduceWeightRange = values.Get(ReduceRangeOption),
            ExactInputEnds = !values.Get(OrtInputGridOption),
            CorrectBias = values.Get(BiasCorrectionOption),
            MaxAccuracyDrop = values.Get(MaxDrop),
        };
        return new QuantizePassOptions(o.Validate())
        {
            HeldOutImages = values.Get(HeldOut),
            LatencyCheckMode = values.Get(LatencyCheck),
            LatencyThreads = values.Get(LatencyThreadsOption),
        };
    }

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static QuantizePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        try
        {
            var o = Bind(r);
            r.RejectUnknown("the quantize pass");
            return o;
        }
        catch (ArgumentException e)
        {
            throw new RecipeException($"{r.File}: {r.Path}: {e.Message}", e);
        }
    }
}
