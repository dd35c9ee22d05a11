namespace EdgeToolkit.Compression.Quantization;

/// <summary>The 8-bit integer type activations are quantized to.</summary>
public enum QuantizedActivationType
{
    /// <summary>Signed 8-bit (-128..127).</summary>
    Int8,

    /// <summary>Unsigned 8-bit (0..255).</summary>
    UInt8,
}
