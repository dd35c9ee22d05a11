namespace EdgeToolkit.Compression.Pruning;

/// <summary>One layer's row of <c>sensitivity.json</c>: accuracy after pruning that layer alone by each ratio.</summary>
/// <param name="Name">State-dict prefix of the layer (<c>features.0</c> = stem, <c>features.1</c>..<c>features.13</c>).</param>
/// <param name="Channels">Output channels of the layer before pruning.</param>
/// <param name="Ratios">Shares of the layer's output channels removed.</param>
/// <param name="Accuracy">Top-1 on the held-out slice after each ratio's cut and a BatchNorm recalibration.</param>
public sealed record LayerSensitivity(string Name, int Channels, IReadOnlyList<double> Ratios, IReadOnlyList<double> Accuracy);
