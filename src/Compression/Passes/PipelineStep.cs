namespace EdgeToolkit.Compression.Passes;

/// <summary>One run of a pass in a pipeline.</summary>
/// <param name="Index">0-based position of the pass in the recipe.</param>
/// <param name="Pass">Pass name.</param>
/// <param name="VariantKey">The matrix part the run was made for.</param>
/// <param name="Folder">The run's output folder.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
public sealed record PipelineStep(int Index, string Pass, string VariantKey, string Folder, double Seconds);
