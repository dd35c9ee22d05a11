using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Which output channels survive width pruning: for the stem (index 0) and each of the 13
/// depthwise-separable layers (index 1..13), the kept channel indices of the source network in
/// ascending (original) order.
/// </summary>
/// <param name="SourceAlpha">Width multiplier of the network the indices refer to.</param>
/// <param name="TargetAlpha">Width multiplier of the pruned network (for a non-uniform plan, its <see cref="MobileNetV1.NominalAlpha"/>).</param>
/// <param name="KeptChannels">Kept output channels per layer, ascending.</param>
public sealed record WidthPruningPlan(double SourceAlpha, double TargetAlpha, IReadOnlyList<IReadOnlyList<int>> KeptChannels)
{
    /// <summary>Output channels of the pruned network per layer (the channel plan it is built from).</summary>
    public IReadOnlyList<int> TargetChannels => KeptChannels.Select(k => k.Count).ToArray();

    /// <summary>Whether the pruned network is MobileNet v1 at the uniform width <see cref="TargetAlpha"/>.</summary>
    public bool IsUniform => MobileNetV1.IsUniform(TargetChannels, TargetAlpha);

    /// <summary>The spec of the pruned network: the source's with the new alpha and, for a non-uniform plan, the channel plan.</summary>
    public ModelSpec Spec(ModelSpec source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source with { Alpha = TargetAlpha, ChannelPlan = IsUniform ? null : TargetChannels };
    }
}
