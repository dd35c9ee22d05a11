namespace EdgeToolkit.ModelBundle;

/// <summary>A validated bundle: its folder, the model file path and the manifest.</summary>
/// <param name="Folder">Absolute bundle folder.</param>
/// <param name="ModelPath">Path of the ONNX model file.</param>
/// <param name="Manifest">The validated manifest.</param>
public sealed record LoadedBundle(string Folder, string ModelPath, BundleManifest Manifest);
