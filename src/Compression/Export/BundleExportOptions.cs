namespace EdgeToolkit.Compression.Export;

/// <summary>Settings of <see cref="BundleExporter"/>.</summary>
public sealed record BundleExportOptions
{
    /// <summary>How the ONNX model is written and verified.</summary>
    public OnnxExportOptions Onnx { get; init; } = new();

    /// <summary>How a camera frame is fitted to the input (manifest <c>resizePolicy</c>); training resizes whole images, hence stretch.</summary>
    public string ResizePolicy { get; init; } = "stretch";

    /// <summary>Real images (from the data set given) used to verify the export, at most this many.</summary>
    public int RealVerificationImages { get; init; } = 64;

    /// <summary>Extra provenance entries written into the manifest.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();
}
