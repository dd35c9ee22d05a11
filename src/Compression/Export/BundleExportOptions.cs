using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Export;

/// <summary>Settings of <see cref="BundleExporter"/>.</summary>
public sealed record BundleExportOptions
{
    /// <summary>How the ONNX model is written and verified.</summary>
    public OnnxExportOptions Onnx { get; init; } = new();

    /// <summary>
    /// Overrides the manifest's <c>resizePolicy</c>. Null (the default) writes what training did: the checkpoint spec's
    /// <see cref="Training.Models.ModelSpec.ResizePolicy"/>, else what the loader does to the verification data set, else centre crop.
    /// </summary>
    public ResizePolicy? ResizePolicy { get; init; }

    /// <summary>Real images (from the data set given) used to verify the export, at most this many.</summary>
    public int RealVerificationImages { get; init; } = 64;

    /// <summary>Extra provenance entries written into the manifest.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();
}
