using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>The outcome of <see cref="QdqQuantizer"/>'s Quantize.</summary>
/// <param name="Model">The QDQ model (a new object; the input model is untouched).</param>
/// <param name="Ranges">Calibrated range of every tensor that got its own scale.</param>
/// <param name="QuantizedNodes">Names of the nodes that run quantized (including absorbed activations and data-movement ops).</param>
/// <param name="FloatNodes">Names of compute nodes left in float (excluded or in a form the quantizer does not handle).</param>
public sealed record QuantizationResult(
    ModelProto Model,
    IReadOnlyDictionary<string, TensorRange> Ranges,
    IReadOnlyList<string> QuantizedNodes,
    IReadOnlyList<string> FloatNodes)
{
    /// <summary>What <see cref="CalibrationMethod.Auto"/> chose and why (null for a method given outright).</summary>
    public CalibrationChoice? Calibration { get; init; }

    /// <summary>What preparation did to the float graph (Identity, Constant, folding, opset).</summary>
    public GraphPreparation? Preparation { get; init; }

    /// <summary>The activation type used and why (target CPU family).</summary>
    public ActivationTypeChoice? ActivationChoice { get; init; }

    /// <summary>What ONNX Runtime fuses into integer kernels and what stays float, and why.</summary>
    public FusionReport? Fusion { get; init; }

    /// <summary>Per quantized layer (node name), the SQNR of its output against the float model on calibration samples; null when not measured (<see cref="QuantizationOptions.SqnrSamples"/> 0).</summary>
    public IReadOnlyDictionary<string, LayerSqnr>? LayerSqnr { get; init; }

    /// <summary>Conv/Gemm layers whose bias was corrected (<see cref="QuantizationOptions.CorrectBias"/>).</summary>
    public int BiasCorrectedLayers { get; init; }

    /// <summary>What the accuracy-aware fallback measured and kept float; null when <see cref="QuantizationOptions.MaxAccuracyDrop"/> is not set.</summary>
    public AccuracyFallback? AccuracyFallback { get; init; }

    /// <summary>The layers kept float by position, resolved for the target (auto replaced by what it means there).</summary>
    public FloatLayers FloatLayers { get; init; }

    /// <summary>Weights were quantized to 7 bits (asked, or the target is x86 without VNNI: <see cref="WeightRange.ReducedFor"/>).</summary>
    public bool ReducedWeightRange { get; init; }

    /// <summary>The graph input's scale, zero point and which calibrated ends its grid holds exactly (<see cref="QuantizationOptions.ExactInputEnds"/>); null when the input is not quantized.</summary>
    public string? InputQuantization { get; init; }

    /// <summary>Convs whose input channels were padded to a multiple of 4 (<see cref="QuantizationOptions.PadInputChannels"/>), as "name: from -> to"; empty when none.</summary>
    public IReadOnlyList<string> PaddedInputChannels { get; init; } = [];

    /// <summary>fp32 against int8 latency on this machine, when the caller measured it (the quantize pass does, for a target that is this machine).</summary>
    public LatencyComparison? Latency { get; init; }
}
