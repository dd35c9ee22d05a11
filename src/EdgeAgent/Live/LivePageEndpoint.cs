using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// Serves the live page (<c>EdgeAgent:LivePage</c>) with an <see cref="HttpGetServer"/>, like the health endpoint:
/// <c>/</c> the self-contained page (inline CSS, script and SVG; nothing fetched from elsewhere), <c>/state.json</c>
/// the figures it polls, <c>/frame</c> the latest camera frame, <c>/input.png</c> the latest model input. A busy port
/// is logged and the page stays off; inference never waits for it. What a request costs does not grow with the
/// number of clients: the images are the latest snapshot's bytes, encoded once by <see cref="LiveView"/>, and
/// <c>state.json</c> is built at most twice per update interval and shared by every request in between.
/// </summary>
public sealed class LivePageEndpoint : HttpEndpointService
{
    private const string PageResource = "EdgeToolkit.EdgeAgent.Live.live.html";
    private static readonly AgentJsonContext Json = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
    private static readonly HttpReply NoFrameYet = HttpReply.Text(404, "no frame yet");
    private readonly string bundle;
    private readonly LiveView view;
    private readonly AgentMetrics metrics;
    private readonly ModelHost models;
    private readonly StatusReporter reporter;
    private readonly Capture.FrameCapture? capture;
    private readonly byte[] page;
    private readonly long stateLifetime;
    private readonly Lock stateGate = new();
    private byte[]? stateJson;
    private long stateBuiltAt;
    private long stateBuilds;

    /// <summary>Creates the endpoint; <paramref name="capture"/> (when capture is on) adds its counters to the page.</summary>
    public LivePageEndpoint(AgentOptions options, LiveView view, AgentMetrics metrics, ModelHost models, StatusReporter reporter, ILogger<LivePageEndpoint> logger,
        Capture.FrameCapture? capture = null)
        : base("Live page", Live(options).Host, Live(options).Port, "EdgeAgent:LivePage:Port", logger)
    {
        this.capture = capture;
        var live = options.LivePage;
        bundle = options.Bundle;
        this.view = view;
        this.metrics = metrics;
        this.models = models;
        this.reporter = reporter;
        page = LoadPage(live.UpdatesPerSecond);
        stateLifetime = (long)(Stopwatch.Frequency / live.UpdatesPerSecond / 2);
    }

    private static LivePageOptions Live(AgentOptions options) => (options ?? throw new ArgumentNullException(nameof(options))).LivePage;

    /// <summary>How many times <c>state.json</c> was built (not how many times it was served).</summary>
    public long StateBuilds => Interlocked.Read(ref stateBuilds);

    /// <summary>The page's HTML with the polling rate filled in.</summary>
    public static byte[] LoadPage(double updatesPerSecond)
    {
        using var stream = typeof(LivePageEndpoint).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"embedded resource {PageResource} missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string html = reader.ReadToEnd().Replace("{{INTERVAL_MS}}",
            ((int)Math.Round(1000 / updatesPerSecond)).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(html);
    }

    /// <inheritdoc />
    protected override HttpReply Reply(HttpGetRequest request)
    {
        view.ClientSeen();
        var latest = view.Latest;
        return request.Path switch
        {
            "/" or "/index.html" => new HttpReply(200, "text/html; charset=utf-8", page),
            "/state.json" => new HttpReply(200, "application/json", StateJson()),
            "/frame" => latest is null ? NoFrameYet : new HttpReply(200, latest.FrameImage.ContentType, latest.FrameImage.Body),
            "/input.png" => latest is null ? NoFrameYet : new HttpReply(200, "image/png", latest.InputImage),
            _ => HttpReply.Text(404, "not found"),
        };
    }

    /// <summary>
    /// <c>state.json</c>'s body: the one built within the last half update interval, else a new one. Several clients
    /// polling at once share it, so the figures are computed at most twice per interval however many watch.
    /// </summary>
    public byte[] StateJson()
    {
        lock (stateGate)
        {
            long now = Stopwatch.GetTimestamp();
            if (stateJson is null || now - stateBuiltAt >= stateLifetime)
            {
                stateJson = JsonSerializer.SerializeToUtf8Bytes(State(), Json.LiveState);
                stateBuiltAt = now;
                Interlocked.Increment(ref stateBuilds);
            }
            return stateJson;
        }
    }

    /// <summary>The figures the page shows (what <c>/state.json</c> returns).</summary>
    internal LiveState State()
    {
        var latest = view.Latest;
        var manifest = models.Manifest;
        var stages = view.Stages();
        return new LiveState(
            DateTimeOffset.UtcNow,
            reporter.IsHealthy,
            reporter.Source,
            manifest is null ? null : new LiveState.ModelState(manifest.Architecture, bundle, Preprocessing.KebabCase.Name(manifest.Precision),
                manifest.Sha256, models.LoadedAt, models.Generation, manifest.InputShape, manifest.Labels.Count),
            models.LastError,
            latest is null ? null : new LiveState.FrameState(latest.Sequence, latest.Version, latest.Time,
                [.. latest.Labels.Select((l, i) => new LiveState.TopClass(l, Math.Round(latest.Probabilities[i], 4)))], latest.Times),
            Math.Round(stages.Fps, 2),
            new LiveState.StageState(stages.Wait, stages.Decode, stages.Preprocess, stages.Inference, stages.Total),
            metrics.Processed,
            metrics.Dropped,
            metrics.Bad,
            metrics.BadByReason,
            reporter.CpuTemperature(),
            new LiveState.PageState(view.Snapshots, view.Encoded, view.Skipped, StateBuilds),
            capture is null ? null : new LiveState.CaptureState(capture.Saved, capture.Dropped, capture.DroppedByReason,
                Math.Round(capture.BytesOnDisk / 1048576.0, 2)));
    }
}
