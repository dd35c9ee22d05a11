namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// Figures over the serving model's most recent frames (at most <c>EdgeAgent:RecentFrames</c>), the ones the
/// fleet playbook's canary gate compares before and after an update.
/// </summary>
/// <param name="Frames">Frames the figures cover (all of the same model).</param>
/// <param name="ModelGeneration">The model those frames ran on (<see cref="ModelInfo.Generation"/>).</param>
/// <param name="TotalP95Ms">95th percentile of capture-to-result latency, exact over these frames, in ms.</param>
/// <param name="InferenceP95Ms">95th percentile of the inference stage (ONNX Runtime run plus top-k), in ms.</param>
/// <param name="MeanTop1Probability">Mean probability of the top-1 class.</param>
public sealed record RecentFrames(int Frames, int ModelGeneration, double TotalP95Ms, double InferenceP95Ms, double MeanTop1Probability);
