namespace EdgeToolkit.Compression.Quantization;

/// <summary>A model or calibration input the quantizer cannot handle; the message names the node, tensor or setting.</summary>
public sealed class QuantizationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QuantizationException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public QuantizationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception without a message.</summary>
    public QuantizationException() { }
}
