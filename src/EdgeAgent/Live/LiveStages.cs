namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>What the live page charts: frames per second and per-stage percentiles over the last <see cref="LiveView.Window"/>.</summary>
/// <param name="Frames">Frames in the window.</param>
/// <param name="Fps">Frames classified per second.</param>
/// <param name="Wait">Time queued.</param>
/// <param name="Decode">Decode.</param>
/// <param name="Preprocess">Resize and normalisation.</param>
/// <param name="Inference">Inference plus top-k.</param>
/// <param name="Total">Capture to result.</param>
public sealed record LiveStages(int Frames, double Fps, LivePercentiles Wait, LivePercentiles Decode, LivePercentiles Preprocess,
    LivePercentiles Inference, LivePercentiles Total);
