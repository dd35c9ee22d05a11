namespace EdgeToolkit.Compression.Quantization;

/// <summary>How many nodes of one op type run on integers in ONNX Runtime's optimised graph.</summary>
/// <param name="OpType">The float model's op type (Conv, Add, Clip, ...).</param>
/// <param name="Total">Nodes of that type in the prepared float graph.</param>
/// <param name="Integer">Of those, the ones fused into integer kernels (QLinearConv, QLinearAdd, ...), absorbed into a quantization (Relu, Clip) or running on integers (MaxPool, Reshape).</param>
public sealed record OpFusionCount(string OpType, int Total, int Integer);
