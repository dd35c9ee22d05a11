using EdgeToolkit.EdgeAgent.Observation;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>What the live page's <c>/state.json</c> returns (camelCase JSON); live.html reads these names.</summary>
/// <param name="Time">When the state was taken.</param>
/// <param name="Healthy">The health endpoint's verdict.</param>
/// <param name="Source">The frame source.</param>
/// <param name="Model">The serving model, null when none.</param>
/// <param name="ModelError">The last bundle load error, if any.</param>
/// <param name="Frame">The latest classified frame, null before the first.</param>
/// <param name="Fps">Frames classified per second over the page's window.</param>
/// <param name="Stages">Per-stage percentiles over the page's window.</param>
/// <param name="Processed">Frames classified since start.</param>
/// <param name="Dropped">Frames dropped since start.</param>
/// <param name="Bad">Frames refused since start.</param>
/// <param name="BadByReason">Refused frames per reason.</param>
/// <param name="CpuTemperatureCelsius">CPU temperature, null when unknown.</param>
/// <param name="Page">The page's own costs: snapshots taken, frames encoded and skipped, state bodies built.</param>
/// <param name="Capture">The capture's counters, null when capture is off.</param>
internal sealed record LiveState(DateTimeOffset Time, bool Healthy, string Source, LiveState.ModelState? Model, string? ModelError,
    LiveState.FrameState? Frame, double Fps, LiveState.StageState Stages, long Processed, long Dropped, long Bad,
    IReadOnlyDictionary<string, long> BadByReason, double? CpuTemperatureCelsius, LiveState.PageState Page, LiveState.CaptureState? Capture)
{
    /// <summary>The serving model.</summary>
    internal sealed record ModelState(string Name, string Folder, string Precision, string Sha256, DateTimeOffset? LoadedAt, int Generation,
        IReadOnlyList<int> Input, int Labels);

    /// <summary>The latest classified frame: its top classes (4 decimals) and stage times.</summary>
    internal sealed record FrameState(long Sequence, long Version, DateTimeOffset Time, TopClass[] Top, StageTimes Ms);

    /// <summary>One of the top-k classes.</summary>
    internal sealed record TopClass(string Label, double P);

    /// <summary>Median and 99th percentile of each stage.</summary>
    internal sealed record StageState(LivePercentiles Wait, LivePercentiles Decode, LivePercentiles Preprocess, LivePercentiles Inference, LivePercentiles Total);

    /// <summary>The page's own costs.</summary>
    internal sealed record PageState(long Snapshots, long Encoded, long Skipped, long StateBuilds);

    /// <summary>The capture's counters.</summary>
    internal sealed record CaptureState(long Saved, long Dropped, IReadOnlyDictionary<string, long> DroppedByReason, double MegabytesOnDisk);
}
