namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// Figures over the serving model's most recent frames (at most <c>EdgeAgent:RecentFrames</c>), the ones the
/// canary gate (<see cref="Rollout.CanaryGate"/>) compares before and after an update.
/// </summary>
/// <param name="Frames">Frames the figures cover (all of the same model).</param>
/// <param name="ModelGeneration">The model those frames ran on (<see cref="ModelInfo.Generation"/>).</param>
/// <param name="TotalP95Ms">95th percentile of capture-to-result latency, exact over these frames, in ms.</param>
/// <param name="InferenceP95Ms">95th percentile of the inference stage (ONNX Runtime run plus top-k), in ms.</param>
/// <param name="MeanTop1Probability">Mean probability of the top-1 class.</param>
/// <param name="FramesPerSecond">Frames classified per second from the first of these frames to the last (0 for one frame).</param>
/// <param name="BadFrameRate">Frames refused while this model served, over that span, as a fraction of all frames (classified + refused).</param>
public sealed record RecentFrames(int Frames, int ModelGeneration, double TotalP95Ms, double InferenceP95Ms, double MeanTop1Probability,
    double FramesPerSecond, double BadFrameRate);
