namespace EdgeToolkit.Compression.Quantization;

/// <summary>One node of the prepared float graph and how ONNX Runtime runs it after quantization.</summary>
/// <param name="Name">Node name.</param>
/// <param name="OpType">Op type in the float graph.</param>
/// <param name="RunsAs">What runs in ONNX Runtime's optimised graph: <c>QLinearConv</c>, <c>absorbed</c>, <c>Conv (float)</c>, ...</param>
/// <param name="Float">True when the node computes in float.</param>
/// <param name="Reason">Why it stays float (null when it runs on integers).</param>
public sealed record LayerFusion(string Name, string OpType, string RunsAs, bool Float, string? Reason);
