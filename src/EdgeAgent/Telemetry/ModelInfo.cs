using EdgeToolkit.ModelBundle;
namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>What the status says about the serving model.</summary>
/// <param name="Folder">Bundle folder.</param>
/// <param name="Architecture">Architecture from the manifest.</param>
/// <param name="Precision">fp32 / int8.</param>
/// <param name="InputShape">Input shape.</param>
/// <param name="Sha256">Model hash.</param>
/// <param name="Generation">Number of loads so far (1 = the initial model).</param>
public sealed record ModelInfo(string Folder, string Architecture, Precision Precision, IReadOnlyList<int> InputShape, string Sha256, int Generation);
