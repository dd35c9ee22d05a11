namespace EdgeToolkit.Compression.Pruning;

/// <summary>How the prune pass chooses the per-layer widths it cuts to.</summary>
public enum WidthPlanChoice
{
    /// <summary>The uniform plan of the target alpha (<c>MakeDivisible(c * alpha, 8)</c> every layer).</summary>
    Uniform,

    /// <summary>
    /// A non-uniform plan of the same MACs as the uniform target (or the MAC budget given), chosen by
    /// <see cref="WidthSearch"/> from a <see cref="SensitivityAnalysis"/> of the source network.
    /// </summary>
    Sensitivity,

    /// <summary>
    /// A non-uniform plan of the same MACs as the uniform target (or the MAC budget given), kept by one
    /// global threshold on |BatchNorm gamma| (<see cref="SlimmingPlan"/>; train with <c>--bn-sparsity</c> first).
    /// </summary>
    Slimming,
}
