namespace EdgeToolkit.Compression.Quantization;

/// <summary>Layers found by position that <see cref="QdqQuantizer"/> keeps in float, besides <see cref="QuantizationOptions.ExcludedNodes"/>.</summary>
[Flags]
public enum FloatLayers
{
    /// <summary>Quantize every supported node.</summary>
    None = 0,

    /// <summary>The first Conv in topological order (the stem: few input channels, sensitive to input rounding).</summary>
    FirstConv = 1,

    /// <summary>The last Gemm or MatMul in topological order (the classifier producing the logits).</summary>
    Classifier = 2,

    /// <summary>
    /// The default: the toolkit's choice for the target (<see cref="FloatLayerNames.Resolve"/>), today no layer on any
    /// target. It kept the <see cref="FirstConv"/> float on x86-64 without VNNI (<see cref="QuantizationTarget.X64"/>),
    /// whose u8×s8 kernels add product pairs in saturating 16-bit arithmetic, until that target got 7-bit weights
    /// (<see cref="WeightRange"/>), which cannot saturate. A float stem is not free: the uint8 MaxPool that follows it in
    /// ResNet, SqueezeNet and ShuffleNet then runs outside ONNX Runtime's NHWC integer region, on a slow generic kernel
    /// (docs/quantization.md, "Where the int8 time goes").
    /// </summary>
    Auto = 4,
}
