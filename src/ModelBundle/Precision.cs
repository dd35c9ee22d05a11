using System.ComponentModel;
using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.ModelBundle;

/// <summary>The numeric precision of a model's weights and arithmetic (manifest <c>precision</c>, recipe <c>matrix.precisions</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<Precision>))]
[TypeConverter(typeof(KebabCaseEnumTypeConverter<Precision>))]
public enum Precision
{
    /// <summary>32-bit float.</summary>
    Fp32,

    /// <summary>16-bit float.</summary>
    Fp16,

    /// <summary>8-bit integer QDQ (quantize/dequantize) model.</summary>
    Int8,
}
