using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The agent's instruments (Meter <c>EdgeToolkit.EdgeAgent</c>: per-stage histograms in ms and counters)
/// plus in-process histograms for the periodic summary (a window reset at every summary, and totals).
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    /// <summary>The meter name exported to Prometheus/OTLP.</summary>
    public const string MeterName = "EdgeToolkit.EdgeAgent";

    private static readonly Stage[] Stages = Enum.GetValues<Stage>();
    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Histogram<double>[] histograms;
    private readonly LatencyHistogram[] window;
    private readonly LatencyHistogram[] totals;
    private readonly Counter<long> processedCounter;
    private readonly Counter<long> droppedCounter;
    private readonly Counter<long> badCounter;
    private readonly Counter<long> restartCounter;
    private readonly Counter<long> reloadCounter;
    private readonly ConcurrentDictionary<string, long> badByReason = new(StringComparer.Ordinal);
    private long processed;
    private long dropped;
    private long restarts;
    private long reloadsOk;
    private long reloadsRefused;
    private long lastFrameTimestamp;

    /// <summary>
    /// Creates the instruments on the meter <paramref name="meterFactory"/> gives (the host's, which owns and disposes it);
    /// without a factory (tests, tools) on a meter of its own. <paramref name="recentFrames"/> sizes <see cref="Recent"/>.
    /// </summary>
    public AgentMetrics(int recentFrames = RecentFrameWindow.DefaultCapacity, IMeterFactory? meterFactory = null)
    {
        Recent = new RecentFrameWindow(recentFrames);
        string? version = typeof(AgentMetrics).Assembly.GetName().Version?.ToString();
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = version }) ?? new Meter(MeterName, version);
        histograms = Stages.Select(s => meter.CreateHistogram<double>($"edgeagent.stage.{s.ToString().ToLowerInvariant()}", "ms",
            $"Per-frame latency of the {s.ToString().ToLowerInvariant()} stage")).ToArray();
        window = Stages.Select(_ => new LatencyHistogram()).ToArray();
        totals = Stages.Select(_ => new LatencyHistogram()).ToArray();
        processedCounter = meter.CreateCounter<long>("edgeagent.frames.processed", "{frame}", "Frames classified");
        droppedCounter = meter.CreateCounter<long>("edgeagent.frames.dropped", "{frame}", "Frames dropped because processing lagged");
        badCounter = meter.CreateCounter<long>("edgeagent.frames.bad", "{frame}", "Frames refused (tag reason)");
        restartCounter = meter.CreateCounter<long>("edgeagent.source.restarts", "{restart}", "Camera reopen / child process restarts");
        reloadCounter = meter.CreateCounter<long>("edgeagent.model.loads", "{load}", "Bundle loads (tag result=ok|refused)");
    }

    /// <summary>Adds the observable gauges (CPU temperature, model loaded); call once.</summary>
    public void ObserveGauges(Func<double?> cpuTemperature, Func<bool> modelLoaded)
    {
        meter.CreateObservableGauge("edgeagent.cpu.temperature",
            () => cpuTemperature() is double t ? [new Measurement<double>(t)] : Array.Empty<Measurement<double>>(), "Cel", "CPU temperature");
        meter.CreateObservableGauge("edgeagent.model.loaded", () => modelLoaded() ? 1 : 0, null, "1 when a model serves");
    }

    /// <summary>The serving model's most recent frames (p95 latency, mean top-1 probability for the canary gate).</summary>
    public RecentFrameWindow Recent { get; }

    /// <summary>Frames classified.</summary>
    public long Processed => Interlocked.Read(ref processed);

    /// <summary>Frames dropped by the channel.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Frames refused, all reasons.</summary>
    public long Bad => badByReason.Values.Sum();

    /// <summary>Frames refused per reason.</summary>
    public IReadOnlyDictionary<string, long> BadByReason => new SortedDictionary<string, long>(badByReason, StringComparer.Ordinal);

    /// <summary>Source restarts.</summary>
    public long Restarts => Interlocked.Read(ref restarts);

    /// <summary>Successful model loads.</summary>
    public long ModelLoads => Interlocked.Read(ref reloadsOk);

    /// <summary>Refused model loads.</summary>
    public long ModelLoadsRefused => Interlocked.Read(ref reloadsRefused);

    /// <summary>Seconds since the last classified frame (infinity when none).</summary>
    public double SecondsSinceLastFrame
    {
        get
        {
            long t = Interlocked.Read(ref lastFrameTimestamp);
            return t == 0 ? double.PositiveInfinity : Stopwatch.GetElapsedTime(t).TotalSeconds;
        }
    }

    /// <summary>Records one stage duration.</summary>
    public void Record(Stage stage, double milliseconds)
    {
        histograms[(int)stage].Record(milliseconds);
        window[(int)stage].Record(milliseconds);
        totals[(int)stage].Record(milliseconds);
    }

    /// <summary>Counts a classified frame.</summary>
    public void FrameProcessed()
    {
        Interlocked.Increment(ref processed);
        Interlocked.Exchange(ref lastFrameTimestamp, Stopwatch.GetTimestamp());
        processedCounter.Add(1);
    }

    /// <summary>Counts a dropped frame.</summary>
    public void FrameDropped()
    {
        Interlocked.Increment(ref dropped);
        droppedCounter.Add(1);
    }

    /// <summary>Counts a refused frame with its reason.</summary>
    public void BadFrame(string reason)
    {
        badByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
        badCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Counts a source restart.</summary>
    public void SourceRestarted()
    {
        Interlocked.Increment(ref restarts);
        restartCounter.Add(1);
    }

    /// <summary>Counts a model load.</summary>
    public void ModelLoad(bool ok)
    {
        Interlocked.Increment(ref ok ? ref reloadsOk : ref reloadsRefused);
        reloadCounter.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "refused"));
    }

    /// <summary>Per-stage summary of the current window; resets the window.</summary>
    public IReadOnlyDictionary<string, StageSummary> TakeWindow() => Snapshot(window, reset: true);

    /// <summary>Per-stage summary since start.</summary>
    public IReadOnlyDictionary<string, StageSummary> Totals() => Snapshot(totals, reset: false);

    private static Dictionary<string, StageSummary> Snapshot(LatencyHistogram[] h, bool reset) =>
        Stages.ToDictionary(s => s.ToString().ToLowerInvariant(), s => h[(int)s].Snapshot(reset));

    /// <summary>Disposes the meter when it is this object's own (a factory's meter is disposed by the factory).</summary>
    public void Dispose()
    {
        if (ownsMeter) meter.Dispose();
    }
}
