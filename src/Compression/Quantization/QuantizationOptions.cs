namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Settings of <see cref="QdqQuantizer"/> (static post-training INT8 quantization in QDQ format).
/// Immutable; <see cref="Validate"/> throws an <see cref="ArgumentException"/> naming the bad setting.
/// </summary>
public sealed record QuantizationOptions
{
    /// <summary>The defaults: percentile (99.999) calibration on 512 samples, per-channel int8 weights, asymmetric activations of the type chosen for the host CPU, first Conv in float on x86-64 without VNNI only.</summary>
    public static QuantizationOptions Default { get; } = new();

    /// <summary>
    /// How activation ranges are computed from calibration data. Default: Percentile (99.999 % of |x|),
    /// which agreed with fp32 slightly more often than MinMax on trained MobileNets (docs/quantization.md).
    /// </summary>
    /// <remarks><see cref="CalibrationMethod.Auto"/> tries Percentile and MinMax and keeps the one closer to float at the last layer (<see cref="CalibrationChoice"/>).</remarks>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Percentile;

    /// <summary>Percentile of |x| kept by <see cref="CalibrationMethod.Percentile"/>, in (50, 100].</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>Number of calibration samples to run (fewer when the data runs out).</summary>
    public int CalibrationCount { get; init; } = 512;

    /// <summary>Quantize weights with one scale per output channel (axis 0); otherwise one scale per tensor.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// Quantize weights to 7 bits (±64) instead of ±127 on every target, as ONNX Runtime's <c>reduce_range</c>. For the
    /// <see cref="QuantizationTarget.X64"/> target (x86 without VNNI, AVX2 only) weights are 7-bit whatever this says
    /// (<see cref="WeightRange.ReducedFor"/>): its u8×s8 kernels add pairs of products in saturating 16-bit arithmetic,
    /// which full-range weights overflow. Not needed on ARM64 or on VNNI CPUs.
    /// </summary>
    public bool ReduceWeightRange { get; init; }

    /// <summary>Integer type of activations; <see cref="QuantizedActivationType.Auto"/> (the default) chooses it for <see cref="Target"/> (<see cref="ActivationTypeChoice"/>).</summary>
    public QuantizedActivationType ActivationType { get; init; } = QuantizedActivationType.Auto;

    /// <summary>The CPU family the model will run on (default: this host). Decides the activation type when it is Auto, and how the fusion report loads the model.</summary>
    public QuantizationTarget Target { get; init; } = QuantizationTarget.Host;

    /// <summary>Symmetric activations (zero point at the middle of the type); asymmetric by default.</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>
    /// The graph input's grid hits its calibrated min and max exactly (both when their ratio allows, else the end more
    /// pixels sit on), and 0, instead of ONNX Runtime's scale and zero point, which can put both ends half a step off the
    /// grid. Default on: those ends are the commonest pixel values (background, padding), so the half step was a
    /// systematic shift; on issue 17's seed-2 MobileNetV2 (mean/std 0.5, pixels -1..1) it cost 5.7 points with the stem
    /// quantized, 0.5 with the ends exact (docs/quantization.md). Asymmetric activations only; a range starting at 0
    /// (pixels / 255) is exact already.
    /// </summary>
    public bool ExactInputEnds { get; init; } = true;

    /// <summary>Also quantize the graph outputs (the logits); by default they stay float.</summary>
    public bool QuantizeOutputs { get; init; }

    /// <summary>Names of nodes kept in float (e.g. the first convolution or the classifier).</summary>
    public IReadOnlyList<string> ExcludedNodes { get; init; } = [];

    /// <summary>
    /// Cross-layer equalization before calibration: rescale the channels of every Conv -> Relu -> Conv
    /// chain so that the Relu output's channels have similar ranges (the float function is unchanged).
    /// </summary>
    public bool EqualizeLayers { get; init; }

    /// <summary>
    /// Layers kept in float by position, whatever their names. Default <see cref="FloatLayers.Auto"/>: the toolkit's choice
    /// per target, today no layer anywhere (x86-64 without VNNI kept its first Conv float against 16-bit saturation until
    /// its weights became 7-bit; <see cref="FloatLayerNames.Resolve"/> has the measurements). A float stem costs latency
    /// (docs/quantization.md).
    /// </summary>
    public FloatLayers FloatLayers { get; init; } = FloatLayers.Auto;

    /// <summary>
    /// Pad the input channels of a quantized Conv that reads the graph input (the stem) with zero channels to a multiple
    /// of 4 (<see cref="InputChannelPadding"/>). Null (the default) decides per target: on for x86-64, where ONNX Runtime's
    /// fused int8 conv kernel needs it (measured: our MobileNet v1 1.0 at 224x224 on AVX-512 VNNI, int8 stem 0.6 -> 0.24 ms,
    /// int8/fp32 0.48 -> 0.43 and 0.36 -> 0.34 in paired runs at load 9 and 16), off for ARM64, where it would not change
    /// the kernel. The float function is unchanged.
    /// </summary>
    public bool? PadInputChannels { get; init; }

    /// <summary>
    /// Calibration samples on which every quantized layer's output is compared with float (SQNR, written to
    /// the quantization report); 0 skips the measurement (then <see cref="CorrectBias"/> and
    /// <see cref="MaxAccuracyDrop"/> cannot be used).
    /// </summary>
    public int SqnrSamples { get; init; } = 64;

    /// <summary>
    /// Bias correction: add to each Conv/Gemm bias the mean error its quantized form adds to that output
    /// channel (measured on <see cref="SqnrSamples"/> calibration samples with float inputs), then quantize again.
    /// </summary>
    public bool CorrectBias { get; init; }

    /// <summary>
    /// Accuracy-aware fallback: the most top-1 percentage points the int8 model may lose against float on the
    /// held-out images given to <see cref="QdqQuantizer.Quantize(Onnx.ModelProto, IEnumerable{CalibrationBatch}, IReadOnlyList{LabeledBatch}, IProgress{CalibrationProgress})"/>.
    /// Layers are kept in float one at a time, lowest isolated SQNR first, until the drop is within the limit.
    /// Null (the default) quantizes every supported layer.
    /// </summary>
    public double? MaxAccuracyDrop { get; init; }

    /// <summary>Histogram bins used by the percentile and entropy methods.</summary>
    public int HistogramBins { get; init; } = 2048;

    /// <summary>Quantization levels the entropy method simulates on [0, T] for a signed tensor (TensorRT uses 128); twice as many for a non-negative tensor with asymmetric activations.</summary>
    public int EntropyQuantizedBins { get; init; } = 128;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public QuantizationOptions Validate()
    {
        if (!Enum.IsDefined(Method))
            throw new ArgumentException($"Method {(int)Method} is not one of {string.Join(", ", Enum.GetNames<CalibrationMethod>())}", nameof(Method));
        if (!Enum.IsDefined(ActivationType))
            throw new ArgumentException($"ActivationType {(int)ActivationType} is not one of {string.Join(", ", Enum.GetNames<QuantizedActivationType>())}", nameof(ActivationType));
        if (!Enum.IsDefined(Target))
            throw new ArgumentException($"Target {(int)Target} is not one of {string.Join(", ", Enum.GetNames<QuantizationTarget>())}", nameof(Target));
        if ((FloatLayers & ~(FloatLayers.FirstConv | FloatLayers.Classifier | FloatLayers.Auto)) != 0)
            throw new ArgumentException($"FloatLayers {(int)FloatLayers} has unknown flags; allowed: {string.Join(", ", Enum.GetNames<FloatLayers>())}", nameof(FloatLayers));
        if (double.IsNaN(Percentile) || Percentile <= 50 || Percentile > 100)
            throw new ArgumentException($"Percentile must be in (50, 100], got {Percentile}", nameof(Percentile));
        if (CalibrationCount < 1)
            throw new ArgumentException($"CalibrationCount must be at least 1, got {CalibrationCount}", nameof(CalibrationCount));
        if (HistogramBins < 256)
            throw new ArgumentException($"HistogramBins must be at least 256, got {HistogramBins}", nameof(HistogramBins));
        if (EntropyQuantizedBins < 16 || 2 * EntropyQuantizedBins > HistogramBins)
            throw new ArgumentException($"EntropyQuantizedBins must be between 16 and half of HistogramBins ({HistogramBins / 2}), got {EntropyQuantizedBins}", nameof(EntropyQuantizedBins));
        if (SqnrSamples < 0)
            throw new ArgumentException($"SqnrSamples must be 0 or more, got {SqnrSamples}", nameof(SqnrSamples));
        if (MaxAccuracyDrop is { } drop && (double.IsNaN(drop) || drop < 0 || drop > 100))
            throw new ArgumentException($"MaxAccuracyDrop must be in [0, 100] top-1 points, got {drop}", nameof(MaxAccuracyDrop));
        if (Method == CalibrationMethod.Auto && SqnrSamples == 0)
            throw new ArgumentException("SqnrSamples must be at least 1 when Method is Auto (it compares the methods by SQNR on those samples)", nameof(SqnrSamples));
        if ((CorrectBias || MaxAccuracyDrop is not null) && SqnrSamples == 0)
            throw new ArgumentException($"SqnrSamples must be at least 1 when {(CorrectBias ? nameof(CorrectBias) : nameof(MaxAccuracyDrop))} is set (both use the per-layer measurement)", nameof(SqnrSamples));
        if (ExcludedNodes is null)
            throw new ArgumentException("ExcludedNodes must not be null (use an empty list)", nameof(ExcludedNodes));
        foreach (string name in ExcludedNodes)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("ExcludedNodes contains an empty node name", nameof(ExcludedNodes));
        }
        return this;
    }
}
