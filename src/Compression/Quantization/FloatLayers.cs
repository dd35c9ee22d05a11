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
}
