namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>One node of the graph ONNX Runtime ran (after its optimisations) and its mean kernel time per run.</summary>
/// <param name="Node">Node name in the optimised graph (fused nodes keep the name of the node they replace, or get a derived one).</param>
/// <param name="OpType">The kernel's op type (<c>QLinearConv</c>, <c>FusedConv</c>, <c>QuantizeLinear</c>...).</param>
/// <param name="MeanMicroseconds">Mean kernel time per run, in microseconds.</param>
public sealed record NodeTime(string Node, string OpType, double MeanMicroseconds);
