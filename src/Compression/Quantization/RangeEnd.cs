namespace EdgeToolkit.Compression.Quantization;

/// <summary>An end of a <see cref="TensorRange"/>.</summary>
public enum RangeEnd
{
    /// <summary>Neither end.</summary>
    None,

    /// <summary>The lower end (<see cref="TensorRange.Min"/>).</summary>
    Min,

    /// <summary>The upper end (<see cref="TensorRange.Max"/>).</summary>
    Max,
}
