using System.Text.Json.Serialization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>The 8-bit integer type activations are quantized to.</summary>
public enum QuantizedActivationType
{
    /// <summary>Chosen for <see cref="QuantizationOptions.Target"/> (<see cref="ActivationTypeChoice"/>): uint8 on x86-64, int8 on ARM64 with dot product.</summary>
    Auto,

    /// <summary>Signed 8-bit (-128..127).</summary>
    [JsonStringEnumMemberName("int8")]
    Int8,

    /// <summary>Unsigned 8-bit (0..255).</summary>
    [JsonStringEnumMemberName("uint8")]
    UInt8,
}
