using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Processing;

namespace EdgeToolkit.EdgeAgent.Capture;

/// <summary>One line of the capture index (camelCase JSON): the saved file, when, the frame, the rule that kept it, its top classes and stage times.</summary>
/// <param name="File">The image's path relative to the capture folder ('/' separators).</param>
/// <param name="Time">When the frame was captured.</param>
/// <param name="Frame">The frame's sequence number.</param>
/// <param name="Rule">The capture rule that kept the frame.</param>
/// <param name="Top">The top-k classes, most probable first.</param>
/// <param name="Ms">Per-stage latency in milliseconds.</param>
internal sealed record CaptureLine(string File, DateTimeOffset Time, long Frame, string Rule, CaptureLine.Guess[] Top, CaptureLine.Stages Ms)
{
    /// <summary>One of the top-k classes.</summary>
    /// <param name="Label">Its label.</param>
    /// <param name="P">Its probability (5 decimals).</param>
    internal sealed record Guess(string Label, double P);

    /// <summary>Per-stage latency in milliseconds (3 decimals).</summary>
    internal sealed record Stages(double Wait, double Decode, double Preprocess, double Inference, double Total);

    /// <summary>The line for a saved frame.</summary>
    public static CaptureLine Of(string file, DateTimeOffset time, Prediction prediction, string rule, StageTimes times)
    {
        var top = new Guess[prediction.Labels.Length];
        for (int i = 0; i < top.Length; i++) top[i] = new Guess(prediction.Labels[i], Math.Round(prediction.Probabilities[i], 5));
        return new CaptureLine(file, time, prediction.Sequence, rule, top, new Stages(Math.Round(times.WaitMs, 3), Math.Round(times.DecodeMs, 3),
            Math.Round(times.PreprocessMs, 3), Math.Round(times.InferenceMs, 3), Math.Round(times.TotalMs, 3)));
    }
}
