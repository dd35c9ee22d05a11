namespace EdgeToolkit.Compression.Export;

/// <summary>
/// Export failed: a module the exporter cannot translate (the message names its path and type), or
/// an exported model whose outputs differ from the TorchSharp model beyond tolerance.
/// </summary>
public sealed class OnnxExportException : Exception
{
    public OnnxExportException() { }
    public OnnxExportException(string message) : base(message) { }
    public OnnxExportException(string message, Exception inner) : base(message, inner) { }
}
