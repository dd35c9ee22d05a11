namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Which output channels survive width pruning: for the stem (index 0) and each of the 13
/// depthwise-separable layers (index 1..13), the kept channel indices of the source network in
/// ascending (original) order.
/// </summary>
/// <param name="SourceAlpha">Width multiplier of the network the indices refer to.</param>
/// <param name="TargetAlpha">Width multiplier of the pruned network.</param>
/// <param name="KeptChannels">Kept output channels per layer, ascending.</param>
public sealed record WidthPruningPlan(double SourceAlpha, double TargetAlpha, IReadOnlyList<IReadOnlyList<int>> KeptChannels);
