namespace EdgeToolkit.Compression.Quantization;

/// <summary>A connected group of nodes that compute in float inside the quantized model, between a DequantizeLinear and a QuantizeLinear (or the graph's input/output).</summary>
/// <param name="Nodes">Node names in the optimised graph.</param>
/// <param name="OpTypes">Their op types.</param>
/// <param name="Reason">Why they stay float.</param>
/// <param name="OnPurpose">True when every node was kept float by a setting (excluded, float layers, --max-drop).</param>
public sealed record FloatIsland(IReadOnlyList<string> Nodes, IReadOnlyList<string> OpTypes, string Reason, bool OnPurpose);
