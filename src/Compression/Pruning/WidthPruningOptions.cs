namespace EdgeToolkit.Compression.Pruning;

/// <summary>Settings of <see cref="MobileNetWidthPruner"/>.</summary>
/// <param name="Importance">How output channels are ranked; the highest-ranked ones are kept.</param>
public sealed record WidthPruningOptions(ChannelImportance Importance = ChannelImportance.L1Norm)
{
    /// <summary>The defaults: rank by filter L1 norm.</summary>
    public static WidthPruningOptions Default { get; } = new();
}
