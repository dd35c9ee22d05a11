using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.Extensions.Logging;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>Builds <see cref="AgentStatus"/> snapshots, logs the periodic summary and writes the status file atomically.</summary>
public sealed class StatusReporter : IDisposable
{
    /// <summary>JSON options for status files and reports (camelCase, indented).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The status's source-generated metadata over a copy of <see cref="Json"/> (which stays usable for reflection).</summary>
    internal static readonly AgentJsonContext StatusJson = new(new JsonSerializerOptions(Json));

    private readonly AgentOptions options;
    private readonly AgentMetrics metrics;
    private readonly ModelHost models;
    private readonly ILogger logger;
    private readonly CpuTemperatureReader temperature = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private long windowStart = Stopwatch.GetTimestamp();
    private long windowStartProcessed;
    private volatile AgentStatus? latest;

    /// <summary>Creates the reporter.</summary>
    public StatusReporter(AgentOptions options, AgentMetrics metrics, ModelHost models, ILogger<StatusReporter> logger)
    {
        this.options = options;
        this.metrics = metrics;
        this.models = models;
        this.logger = logger;
    }

    /// <summary>Description of the frame source, shown in the status.</summary>
    public string Source { get; set; } = "";

    /// <summary>CPU temperature in °C or null.</summary>
    public double? CpuTemperature() => temperature.Read();

    /// <summary>True when a model serves and a frame was classified within <see cref="AgentOptions.HealthStaleSeconds"/>.</summary>
    public bool IsHealthy => models.IsLoaded && metrics.SecondsSinceLastFrame <= options.HealthStaleSeconds;

    /// <summary>The last summary taken (or a fresh one without resetting the window).</summary>
    public AgentStatus Current => Build("running", metrics.Totals(), double.NaN);

    /// <summary>Takes a window summary (resetting the window), logs it and writes the status file.</summary>
    public AgentStatus Summarise(string state = "running")
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(windowStart, now).TotalSeconds;
        long processed = metrics.Processed;
        double fps = seconds > 0 ? (processed - windowStartProcessed) / seconds : 0;
        windowStart = now;
        windowStartProcessed = processed;
        var status = Build(state, metrics.TakeWindow(), fps) with { WindowSeconds = Math.Round(seconds, 3) };
        latest = status;
        Log(status);
        WriteAtomically(options.StatusFile, status);
        return status;
    }

    /// <summary>Builds a status with the given stage figures (totals or window).</summary>
    public AgentStatus Build(string state, IReadOnlyDictionary<string, StageSummary> stages, double fps)
    {
        var m = models.Manifest;
        var provider = models.Provider;
        using var process = Process.GetCurrentProcess();
        return new AgentStatus
        {
            Time = DateTimeOffset.UtcNow,
            State = state,
            Healthy = IsHealthy,
            UptimeSeconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3),
            Source = Source,
            Model = m is null ? null : new ModelInfo(options.Bundle, m.Architecture, m.Precision, m.InputShape, m.Sha256, models.Generation),
            ExecutionProvider = provider is null ? null : ExecutionProviderSelector.Name(provider.Used),
            ExecutionProviderRequested = ExecutionProviderSelector.Name(options.ExecutionProvider),
            ExecutionProviderFallback = provider?.Fallback,
            ModelError = models.LastError,
            FramesProcessed = metrics.Processed,
            FramesDropped = metrics.Dropped,
            FramesBad = metrics.Bad,
            BadByReason = metrics.BadByReason,
            SourceRestarts = metrics.Restarts,
            ModelLoads = metrics.ModelLoads,
            ModelLoadsRefused = metrics.ModelLoadsRefused,
            Fps = double.IsNaN(fps) ? (latest?.Fps ?? 0) : Math.Round(fps, 2),
            Recent = metrics.Recent.Snapshot(),
            Stages = stages,
            CpuTemperatureCelsius = temperature.Read(),
            WorkingSetMegabytes = Math.Round(process.WorkingSet64 / 1048576.0, 1),
            ManagedHeapMegabytes = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
            Runtime = RuntimeReport.Current,
        };
    }

    /// <summary>Renders the per-stage table (p50/p90/p99/max ms) printed by the bench and logged by summaries.</summary>
    public static string FormatTable(AgentStatus s)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"stage",-11}{"count",8}{"p50 ms",10}{"p90 ms",10}{"p99 ms",10}{"max ms",10}{"mean ms",10}");
        foreach (var (name, st) in s.Stages)
            sb.AppendLine(CultureInfo.InvariantCulture, $"{name,-11}{st.Count,8}{st.P50,10:F3}{st.P90,10:F3}{st.P99,10:F3}{st.Max,10:F3}{st.Mean,10:F3}");
        sb.Append(CultureInfo.InvariantCulture, $"fps {s.Fps:F1}  processed {s.FramesProcessed}  dropped {s.FramesDropped}  bad {s.FramesBad}");
        if (s.BareInferenceFps is double bare) sb.Append(CultureInfo.InvariantCulture, $"  bare-run fps {bare:F1}  ratio {s.FpsRatio:F2}");
        return sb.ToString();
    }

    /// <summary>Writes <paramref name="status"/> as JSON to a temporary file and renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomically(string? path, AgentStatus status)
    {
        if (string.IsNullOrWhiteSpace(path)) return;
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(status, StatusJson.AgentStatus));
    }

    private void Log(AgentStatus s)
    {
        s.Stages.TryGetValue("total", out var total);
        s.Stages.TryGetValue("inference", out var inference);
        logger.LogInformation(
            "Summary: {Fps:F1} fps, total p50 {P50:F2} p90 {P90:F2} p99 {P99:F2} max {Max:F2} ms, inference p50 {InfP50:F2} ms, processed {Processed}, dropped {Dropped}, bad {Bad}, temp {Temperature} C, working set {WorkingSet} MB",
            s.Fps, total?.P50 ?? 0, total?.P90 ?? 0, total?.P99 ?? 0, total?.Max ?? 0, inference?.P50 ?? 0,
            s.FramesProcessed, s.FramesDropped, s.FramesBad, s.CpuTemperatureCelsius?.ToString(CultureInfo.InvariantCulture) ?? "n/a", s.WorkingSetMegabytes);
    }

    /// <summary>Disposes the temperature reader.</summary>
    public void Dispose() => temperature.Dispose();
}
