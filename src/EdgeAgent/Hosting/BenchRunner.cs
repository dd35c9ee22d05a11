using System.Diagnostics;
using System.Globalization;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// <c>--bench N</c>: processes N frames (after a short warm-up) from the configured source, prints the
/// per-stage latency table, measures bare <c>InferenceSession.Run</c> on the same model before and after
/// the agent for the agent/bare fps ratio, writes the JSON report and stops the host. Exit codes
/// (<see cref="AgentExitCodes"/>): 0 when frames were classified; 2 when no model loads; 3 when every frame failed
/// or the source delivered nothing for <see cref="AgentOptions.BenchIdleSeconds"/> (an empty folder, a file
/// without JPEG frames); 1 on any other error.
/// </summary>
public sealed class BenchRunner : BackgroundService
{
    private readonly BenchRequest request;
    private readonly AgentOptions options;
    private readonly ModelHost models;
    private readonly AgentMetrics metrics;
    private readonly StatusReporter reporter;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILoggerFactory loggers;

    /// <summary>Creates the runner.</summary>
    public BenchRunner(BenchRequest request, AgentOptions options, ModelHost models, AgentMetrics metrics, StatusReporter reporter,
        IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        this.request = request;
        this.options = options;
        this.models = models;
        this.metrics = metrics;
        this.reporter = reporter;
        this.lifetime = lifetime;
        this.loggers = loggers;
    }

    /// <summary>The report of the last run (null before it finished).</summary>
    public AgentStatus? Report { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var logger = loggers.CreateLogger<BenchRunner>();
        try
        {
            if (!models.TryLoad())
            {
                Console.Error.WriteLine($"bench: no model: {models.LastError}");
                Environment.ExitCode = AgentExitCodes.InvalidSettings;
                return;
            }
            // Capacity is measured unpaced: a source paced at a camera's rate would report that rate
            // (e.g. "fps 30.0 ... ratio 0.01"), which says nothing about what the device can do. A paced
            // source (synthetic, folder) is then run again at its rate for the per-frame latency it gives.
            double configuredFps = options.Source.FramesPerSecond;
            bool paceable = options.Source.SourceKind is Frames.SourceKind.Synthetic or Frames.SourceKind.Folder;
            int bareRuns = (int)Math.Max(50, Math.Min(1000, request.Frames));
            // Bare Run is measured right before and right after the agent and averaged, so a change of
            // machine load during the bench moves both sides of the ratio alike.
            double bareBefore = MeasureBareRun(bareRuns);
            if (paceable) options.Source.FramesPerSecond = 0;
            Measurement capacity;
            try
            {
                capacity = await MeasureAsync(logger, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                options.Source.FramesPerSecond = configuredFps;
            }
            if (capacity.Stalled)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: {capacity.SourceDescription} delivered no frame for {options.BenchIdleSeconds:0.#} s (EdgeAgent:BenchIdleSeconds) after {capacity.Processed} frame(s); " +
                    $"{metrics.Restarts} source restart(s). Is the folder empty, or the file without JPEG frames?"));
                Environment.ExitCode = AgentExitCodes.NoFramesClassified;
                return;
            }
            double bareAfter = MeasureBareRun(bareRuns);
            double bare = (bareBefore + bareAfter) / 2;
            Measurement? paced = paceable && configuredFps > 0 ? await MeasureAsync(logger, stoppingToken).ConfigureAwait(false) : null;
            var report = capacity.Report with
            {
                BareInferenceFps = Math.Round(bare, 1),
                FpsRatio = bare > 0 ? Math.Round(capacity.Report.Fps / bare, 3) : null,
                Paced = paced?.Report,
            };
            Report = report;
            Console.WriteLine(capacity.LiveSource
                ? $"EdgeAgent bench: capacity at the rate the live source delivers (it cannot run unpaced): {capacity.Summary}"
                : $"EdgeAgent bench: capacity, source unpaced: {capacity.Summary}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bare Run fps {bareBefore:F1} before, {bareAfter:F1} after the agent ({(options.OverlapDecode ? "decode overlapped" : "one thread")})"));
            Console.WriteLine($"execution provider: {report.ExecutionProvider} (requested {report.ExecutionProviderRequested}{(report.ExecutionProviderFallback is null ? "" : ": " + report.ExecutionProviderFallback)})");
            Console.WriteLine(StatusReporter.FormatTable(report));
            if (paced is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"EdgeAgent bench: per-frame latency with the source paced at {configuredFps:G} fps (fps below is that rate, not capacity): {paced.Summary}"));
                Console.WriteLine(StatusReporter.FormatTable(paced.Report));
            }
            StatusReporter.WriteAtomically(options.BenchReportFile, report);
            Console.WriteLine($"report: {Path.GetFullPath(options.BenchReportFile)}");
            if (metrics.Processed == 0)
            {
                Console.Error.WriteLine($"bench: every one of the {capacity.Processed} frame(s) failed ({string.Join(", ", report.BadByReason.Select(r => $"{r.Key}: {r.Value}"))}); no frame was classified");
                Environment.ExitCode = AgentExitCodes.NoFramesClassified;
                return;
            }
            Environment.ExitCode = AgentExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"bench failed: {e.Message}");
            Environment.ExitCode = AgentExitCodes.Fatal;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>One pass over the configured source: its report and a one-line account of the frames.</summary>
    private sealed record Measurement(AgentStatus Report, string Summary, bool LiveSource, long Processed, bool Stalled, string SourceDescription);

    private async Task<Measurement> MeasureAsync(ILogger logger, CancellationToken stoppingToken)
    {
        // The worker's composition, with capture waiting for processing so exactly the frames taken are measured.
        using var composed = AgentRun.Compose(options, models, metrics, loggers, logger, new AgentRunSettings { Backpressure = true });
        var (source, processor, pipeline) = (composed.Source, composed.Processor, composed.Pipeline);
        reporter.Source = source.Description;
        int warmup = (int)Math.Min(20, Math.Max(1, request.Frames / 10));
        long seen = 0;
        long measuredStart = 0;
        metrics.TakeWindow();
        long started = Stopwatch.GetTimestamp();
        long lastFrame = started;
        processor.AfterFrame = () =>
        {
            Interlocked.Exchange(ref lastFrame, Stopwatch.GetTimestamp());
            if (++seen == warmup)
            {
                metrics.TakeWindow();
                measuredStart = Stopwatch.GetTimestamp();
            }
        };
        // A source that delivers nothing (an empty folder, a file without JPEG frames, looped) would retry forever.
        var idle = TimeSpan.FromSeconds(options.BenchIdleSeconds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var running = pipeline.RunAsync(request.Frames + warmup, stop.Token);
        bool stalled = false;
        while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken)).ConfigureAwait(false) != running)
        {
            if (stoppingToken.IsCancellationRequested) break;
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref lastFrame)) <= idle) continue;
            stalled = true;
            await stop.CancelAsync().ConfigureAwait(false);
        }
        long processed = await running.ConfigureAwait(false);
        // A source that ended during the warm-up: report what there is, timed from the start.
        double seconds = Stopwatch.GetElapsedTime(measuredStart == 0 ? started : measuredStart).TotalSeconds;
        var stages = metrics.TakeWindow();
        long measured = stages["total"].Count;
        double fps = seconds > 0 ? measured / seconds : 0;
        var report = reporter.Build("bench", stages, fps) with { WindowSeconds = Math.Round(seconds, 3) };
        string summary = measuredStart == 0
            ? $"the source ended after {processed} frame(s), before the {warmup}-frame warm-up finished; all are reported"
            : $"{measured} frame(s) measured after {warmup} warm-up, {processed} taken from {source.Description}";
        return new Measurement(report, summary, source.IsLive, processed, stalled, source.Description);
    }

    private double MeasureBareRun(int runs)
    {
        using var lease = models.Acquire();
        if (lease is null) return 0;
        for (int i = 0; i < 5; i++) lease.Runner.Run();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < runs; i++) lease.Runner.Run();
        return runs / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
