using System.Globalization;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>What <see cref="QdqQuantizer"/> did to the float graph before quantizing it (function unchanged).</summary>
/// <param name="OpsetBefore">Default-domain opset of the model as given.</param>
/// <param name="OpsetAfter">Default-domain opset after preparation (at least 13).</param>
/// <param name="IdentitiesRemoved">Identity nodes removed (torch.onnx routes shared weights through them).</param>
/// <param name="ConstantsToInitializers">Constant nodes turned into initializers (e.g. the min/max of torch's Clip).</param>
/// <param name="BatchNormsFolded">BatchNormalization nodes folded into the preceding Conv.</param>
/// <param name="NodesBefore">Nodes in the graph as given.</param>
/// <param name="NodesAfter">Nodes after preparation (constant sub-graphs folded, Add/Mul fused into Conv; ONNX Runtime expands function ops such as HardSwish it has no kernel for).</param>
/// <param name="ShapesInferred">Tensors whose type and shape were inferred (graph value_info).</param>
public sealed record GraphPreparation(
    long OpsetBefore, long OpsetAfter, int IdentitiesRemoved, int ConstantsToInitializers, int BatchNormsFolded, int NodesBefore, int NodesAfter, int ShapesInferred)
{
    /// <summary>Nodes rewritten into ops ONNX Runtime runs on integers (Flatten -> Reshape, spatial ReduceMean -> GlobalAveragePool).</summary>
    public int RewrittenForIntegerKernels { get; init; }

    /// <summary>One line for logs and provenance.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"opset {OpsetBefore}{(OpsetAfter != OpsetBefore ? $" -> {OpsetAfter}" : "")}, {IdentitiesRemoved} Identity removed, {ConstantsToInitializers} Constant -> initializers, " +
        $"{BatchNormsFolded} BatchNormalization folded, {NodesBefore} -> {NodesAfter} nodes, {RewrittenForIntegerKernels} rewritten for integer kernels, {ShapesInferred} shapes inferred");
}
