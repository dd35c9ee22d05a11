namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>The status document written to the status file, served by the health endpoint and used as the bench report.</summary>
/// <remarks>
/// Properties with a default are <c>set</c>, not <c>init</c>: source-generated JSON (what the NativeAOT agent uses) sets
/// every init-only property, to null when the JSON omits it, and keeps a default only behind a setter.
/// </remarks>
public sealed record AgentStatus
{
    /// <summary>When this status was taken.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary><c>running</c>, <c>stopped</c> or <c>bench</c>.</summary>
    public string State { get; set; } = "running";

    /// <summary>True when a model serves and frames flowed recently.</summary>
    public bool Healthy { get; init; }

    /// <summary>Seconds since start.</summary>
    public double UptimeSeconds { get; init; }

    /// <summary>The frame source.</summary>
    public string Source { get; set; } = "";

    /// <summary>The serving model (null when none).</summary>
    public ModelInfo? Model { get; init; }

    /// <summary>The ONNX Runtime execution provider the serving model runs on (<c>cpu</c>, <c>cuda</c>, ...; null when none serves).</summary>
    public string? ExecutionProvider { get; init; }

    /// <summary>The provider <c>EdgeAgent:ExecutionProvider</c> asked for.</summary>
    public string? ExecutionProviderRequested { get; init; }

    /// <summary>Why <see cref="ExecutionProvider"/> differs from the one asked for (null when it does not).</summary>
    public string? ExecutionProviderFallback { get; init; }

    /// <summary>Last bundle load error, if any.</summary>
    public string? ModelError { get; init; }

    /// <summary>Frames classified since start.</summary>
    public long FramesProcessed { get; init; }

    /// <summary>Frames dropped since start (processing lagged).</summary>
    public long FramesDropped { get; init; }

    /// <summary>Frames refused since start.</summary>
    public long FramesBad { get; init; }

    /// <summary>Refused frames per reason.</summary>
    public IReadOnlyDictionary<string, long> BadByReason { get; set; } = new Dictionary<string, long>();

    /// <summary>Source restarts since start.</summary>
    public long SourceRestarts { get; init; }

    /// <summary>Successful and refused bundle loads.</summary>
    public long ModelLoads { get; init; }

    /// <summary>Refused bundle loads.</summary>
    public long ModelLoadsRefused { get; init; }

    /// <summary>Length of the window the stage figures and fps describe, in seconds.</summary>
    public double WindowSeconds { get; init; }

    /// <summary>Frames classified per second over the window.</summary>
    public double Fps { get; init; }

    /// <summary>
    /// p95 latency, mean top-1 probability, frames/s and bad-frame rate over the serving model's last
    /// <c>EdgeAgent:RecentFrames</c> frames (null before its first frame): what the canary gate compares before and after an update.
    /// </summary>
    public RecentFrames? Recent { get; init; }

    /// <summary>Per-stage latency over the window (ms).</summary>
    public IReadOnlyDictionary<string, StageSummary> Stages { get; set; } = new Dictionary<string, StageSummary>();

    /// <summary>CPU temperature in °C (null when unknown).</summary>
    public double? CpuTemperatureCelsius { get; init; }

    /// <summary>Process working set in MB.</summary>
    public double WorkingSetMegabytes { get; init; }

    /// <summary>Managed heap in MB.</summary>
    public double ManagedHeapMegabytes { get; init; }

    /// <summary>
    /// How this agent runs: NativeAOT or JIT, and the GC settings in effect (taken once at start, when the GC reads its
    /// configuration: run by hand, without the unit's <c>DOTNET_GCgen0size</c>, the gen0 budget is the runtime's default).
    /// </summary>
    public RuntimeReport? Runtime { get; init; }

    /// <summary>Bench only: frames/s of bare InferenceSession.Run on the same model (null otherwise).</summary>
    public double? BareInferenceFps { get; init; }

    /// <summary>Bench only: <see cref="Fps"/> / <see cref="BareInferenceFps"/>.</summary>
    public double? FpsRatio { get; init; }

    /// <summary>
    /// Bench only: the run at the source's configured rate (per-frame latency as the service sees it; its
    /// <see cref="Fps"/> is that rate, not capacity). Null when the source is unpaced or cannot be paced.
    /// </summary>
    public AgentStatus? Paced { get; init; }
}
