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
            var events = new SourceEvents { Restarted = _ => metrics.SourceRestarted(), BadFrame = metrics.BadFrame };
            using var source = FrameSourceFactory.Create(options.Source, loggers.CreateLogger("EdgeToolkit.EdgeAgent.Source"), events);
            reporter.Source = source.Description;
            using var results = string.IsNullOrWhiteSpace(options.ResultsFile) ? null : new ResultWriter(options.ResultsFile);
            using var processor = new FrameProcessor(options, models, metrics, logger, results);
            // Bare Run is measured right before and right after the agent and averaged, so a change of
            // machine load during the bench moves both sides of the ratio alike.
            int bareRuns = (int)Math.Max(50, Math.Min(1000, request.Frames));
            double bareBefore = MeasureBareRun(bareRuns);
            int warmup = (int)Math.Min(20, Math.Max(1, request.Frames / 10));
            long seen = 0;
            long measuredStart = 0;
            var pipeline = new AgentPipeline(source, processor, metrics, logger, options.ChannelCapacity)
            {
                Backpressure = true,
                Overlap = options.OverlapDecode,
                InputBuffers = options.InputBuffers,
            };
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
            if (stalled)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: {source.Description} delivered no frame for {idle.TotalSeconds:0.#} s (EdgeAgent:BenchIdleSeconds) after {processed} frame(s); " +
                    $"{metrics.Restarts} source restart(s). Is the folder empty, or the file without JPEG frames?"));
                Environment.ExitCode = AgentExitCodes.NoFramesClassified;
                return;
            }
            // A source that ended during the warm-up: report what there is, timed from the start.
            double seconds = Stopwatch.GetElapsedTime(measuredStart == 0 ? started : measuredStart).TotalSeconds;
            var stages = metrics.TakeWindow();
            long measured = stages["total"].Count;
            double fps = seconds > 0 ? measured / seconds : 0;
            double bareAfter = MeasureBareRun(bareRuns);
            double bare = (bareBefore + bareAfter) / 2;
            var report = reporter.Build("bench", stages, fps) with
            {
                WindowSeconds = Math.Round(seconds, 3),
                BareInferenceFps = Math.Round(bare, 1),
                FpsRatio = bare > 0 ? Math.Round(fps / bare, 3) : null,
            };
            Report = report;
            Console.WriteLine(measuredStart == 0
                ? $"EdgeAgent bench: the source ended after {processed} frame(s), before the {warmup}-frame warm-up finished; all are reported"
                : $"EdgeAgent bench: {measured} frame(s) measured after {warmup} warm-up, {processed} taken from {source.Description}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bare Run fps {bareBefore:F1} before, {bareAfter:F1} after the agent ({(options.OverlapDecode ? "decode overlapped" : "one thread")})"));
            Console.WriteLine(StatusReporter.FormatTable(report));
            StatusReporter.WriteAtomically(options.BenchReportFile, report);
            Console.WriteLine($"report: {Path.GetFullPath(options.BenchReportFile)}");
            if (metrics.Processed == 0)
            {
                Console.Error.WriteLine($"bench: every one of the {processed} frame(s) failed ({string.Join(", ", report.BadByReason.Select(r => $"{r.Key}: {r.Value}"))}); no frame was classified");
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
