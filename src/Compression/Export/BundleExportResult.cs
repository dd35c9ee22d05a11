using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Export;

/// <summary>A written and re-read bundle plus the export verification figures.</summary>
/// <param name="Bundle">The bundle as <see cref="ModelBundleFolder.Read"/> returned it.</param>
/// <param name="Export">The ONNX export and its checks.</param>
public sealed record BundleExportResult(LoadedBundle Bundle, OnnxExportResult Export);
