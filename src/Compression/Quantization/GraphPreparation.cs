using System.Globalization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>What <see cref="QdqQuantizer"/> did to the float graph before quantizing it (function unchanged).</summary>
/// <param name="OpsetBefore">Default-domain opset of the model as given.</param>
/// <param name="OpsetAfter">Default-domain opset after preparation (at least 13).</param>
/// <param name="IdentitiesRemoved">Identity nodes removed (torch.onnx routes shared weights through them).</param>
/// <param name="ConstantsToInitializers">Constant nodes turned into initializers (e.g. the min/max of torch's Clip).</param>
/// <param name="BatchNormsFolded">BatchNormalization nodes folded into the preceding Conv.</param>
/// <param name="NodesRemoved">Nodes removed in all (the above plus folded constant sub-graphs and fused Add/Mul).</param>
/// <param name="ShapesInferred">Tensors whose type and shape were inferred (graph value_info).</param>
public sealed record GraphPreparation(
    long OpsetBefore, long OpsetAfter, int IdentitiesRemoved, int ConstantsToInitializers, int BatchNormsFolded, int NodesRemoved, int ShapesInferred)
{
    /// <summary>One line for logs and provenance.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"opset {OpsetBefore}{(OpsetAfter != OpsetBefore ? $" -> {OpsetAfter}" : "")}, {IdentitiesRemoved} Identity removed, {ConstantsToInitializers} Constant -> initializers, " +
        $"{BatchNormsFolded} BatchNormalization folded, {NodesRemoved} nodes removed in all, {ShapesInferred} shapes inferred");
}
