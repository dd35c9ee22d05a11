namespace EdgeToolkit.Training.Models;

/// <summary>One row of the architecture list (<c>edgekit models</c>).</summary>
/// <param name="Architecture">Name accepted by <see cref="ModelFactory.Create"/>.</param>
/// <param name="Alpha">Width multiplier the row was measured at (1 for non-MobileNet).</param>
/// <param name="Parameters">Parameter count.</param>
/// <param name="Macs">Multiply-accumulates for one image at the given input.</param>
/// <param name="Description">Short human description.</param>
public sealed record ModelSummary(string Architecture, double Alpha, long Parameters, long Macs, string Description)
{
    /// <summary>MobileNet v1 channel plan of the row (null = the uniform plan of <see cref="Alpha"/>).</summary>
    public IReadOnlyList<int>? ChannelPlan { get; init; }
}
