using System.Text.Json.Serialization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>How the range of an activation tensor is derived from calibration data.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    [JsonStringEnumMemberName("minmax")]
    MinMax,

    /// <summary>Clip at a percentile of the absolute values (histogram based); the default.</summary>
    Percentile,

    /// <summary>The clipping threshold that minimises the KL divergence between the float and the quantized histogram (TensorRT style).</summary>
    Entropy,

    /// <summary>
    /// <see cref="Percentile"/> and <see cref="MinMax"/> both calibrated; the one whose quantized model's last layer is closer
    /// to float (SQNR on the SQNR samples) is kept (<see cref="CalibrationChoice"/>).
    /// </summary>
    Auto,
}
