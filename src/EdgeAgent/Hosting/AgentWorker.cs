using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// The service: loads the bundle, runs capture -> channel -> processing, watches the bundle, writes a
/// summary every <see cref="AgentOptions.SummarySeconds"/> and a final status on shutdown.
/// </summary>
public sealed class AgentWorker : BackgroundService
{
    private readonly AgentOptions options;
    private readonly ModelHost models;
    private readonly AgentMetrics metrics;
    private readonly StatusReporter reporter;
    private readonly SystemdWatchdog watchdog;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly IFrameObserver[] observers;

    /// <summary>Creates the worker; <paramref name="observers"/> see every classified frame (live page, capture, GPIO).</summary>
    public AgentWorker(AgentOptions options, ModelHost models, AgentMetrics metrics, StatusReporter reporter,
        SystemdWatchdog watchdog, IHostApplicationLifetime lifetime, ILoggerFactory loggers, IEnumerable<IFrameObserver> observers)
    {
        this.observers = [.. observers];
        this.options = options;
        this.models = models;
        this.metrics = metrics;
        this.reporter = reporter;
        this.watchdog = watchdog;
        this.lifetime = lifetime;
        this.loggers = loggers;
        logger = loggers.CreateLogger<AgentWorker>();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Fatal(e, "the service");
        }
    }

    /// <summary>An unexpected error: logged, exit code <see cref="AgentExitCodes.Fatal"/>, host stopped (systemd restarts the service).</summary>
    private void Fatal(Exception e, string what)
    {
        logger.LogCritical(e, "Fatal error in {What}; exiting with code {Code} so the service manager restarts the agent", what, AgentExitCodes.Fatal);
        Environment.ExitCode = AgentExitCodes.Fatal;
        lifetime.StopApplication();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // Once at start: how this process runs and the GC settings it took (the status file carries the same).
        var runtime = RuntimeReport.Current;
        logger.LogInformation("Runtime: {Runtime}", runtime);
        foreach (string warning in runtime.Warnings())
            logger.LogWarning("Runtime: {Warning}", warning);
        metrics.ObserveGauges(reporter.CpuTemperature, () => models.IsLoaded);
        if (!models.TryLoad())
            logger.LogError("No model serves; the agent reports unhealthy and keeps watching {Bundle} for a valid bundle", options.Bundle);
        using var composed = AgentRun.Compose(options, models, metrics, loggers, logger, new AgentRunSettings { Observers = observers, Heartbeat = watchdog.Beat });
        var (source, results, pipeline) = (composed.Source, composed.Results, composed.Pipeline);
        reporter.Source = source.Description;
        logger.LogInformation("Processing frames from {Source}; watchdog {Watchdog}", source.Description,
            watchdog.IsEnabled ? $"every {watchdog.Interval.TotalSeconds / 2:F1} s" : "off");
        var run = pipeline.RunAsync(0, stoppingToken);
        var watch = models.WatchAsync(stoppingToken);
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SummarySeconds)))
        {
            try
            {
                while (!run.IsCompleted)
                {
                    var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    if (await Task.WhenAny(tick, run).ConfigureAwait(false) == run) break;
                    if (!await tick.ConfigureAwait(false)) break;
                    reporter.Summarise();
                    results?.Flush();
                }
            }
            catch (OperationCanceledException) { }
        }
        // Shutdown: the pipeline notices the token within a second; bounded so the 5 s budget holds.
        await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        results?.Flush();
        var final = reporter.Summarise("stopped");
        logger.LogInformation("Stopped after {Frames} frame(s); status written to {StatusFile}", final.FramesProcessed, options.StatusFile);
        if (pipeline.Failure is { } failure)
            Fatal(failure, "the frame pipeline");
        else if (!stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("{Source} ended", source.Description);
            lifetime.StopApplication();
        }
    }
}
