using System.Text.Json.Serialization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// The CPU family the quantized model will run on. It decides the activation type: ONNX Runtime
/// fuses QDQ groups into integer kernels differently per CPU (docs/quantization.md, "Targets").
/// Spelled in kebab case (<c>host</c>, <c>x64</c>, <c>x64-vnni</c>, <c>arm64</c>, <c>arm64-dot</c>) in recipes, on the command line and in reports.
/// </summary>
public enum QuantizationTarget
{
    /// <summary>The CPU this process runs on (detected).</summary>
    Host,

    /// <summary>x86-64 with AVX2 only (u8×s8 through 16-bit pair sums, <c>vpmaddubsw</c>).</summary>
    [JsonStringEnumMemberName("x64")]
    X64,

    /// <summary>x86-64 with AVX-512 VNNI or AVX-VNNI (u8×s8 dot products, <c>vpdpbusd</c>).</summary>
    [JsonStringEnumMemberName("x64-vnni")]
    X64Vnni,

    /// <summary>ARM64 without the dot-product extension (e.g. Raspberry Pi 4, Cortex-A72).</summary>
    [JsonStringEnumMemberName("arm64")]
    Arm64,

    /// <summary>ARM64 with the dot-product extension (<c>sdot</c>/<c>udot</c>; e.g. Raspberry Pi 5, Cortex-A76; Jetson Orin).</summary>
    [JsonStringEnumMemberName("arm64-dot")]
    Arm64DotProduct,
}
