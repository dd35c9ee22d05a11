using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// The agent's pipeline composed in one place from <see cref="AgentOptions"/>: the configured frame source (its faults and
/// bad frames counted in <see cref="AgentMetrics"/>), the result writer, the <see cref="FrameProcessor"/> and the
/// <see cref="AgentPipeline"/>. The worker, the bench and the test harness all build their runs here, so they process
/// frames the same way; <see cref="AgentRunSettings"/> holds what differs between them. Disposing the run disposes the
/// processor, the result writer and the source, in that order.
/// </summary>
public sealed class AgentRun : IDisposable
{
    private AgentRun(IFrameSource source, ResultWriter? results, FrameProcessor processor, AgentPipeline pipeline)
    {
        Source = source;
        Results = results;
        Processor = processor;
        Pipeline = pipeline;
    }

    /// <summary>The configured source.</summary>
    public IFrameSource Source { get; }

    /// <summary>The results file writer (null when <c>EdgeAgent:ResultsFile</c> is not set).</summary>
    public ResultWriter? Results { get; }

    /// <summary>Decode, preprocess, inference and top-k of each frame.</summary>
    public FrameProcessor Processor { get; }

    /// <summary>Capture, channel and processing threads.</summary>
    public AgentPipeline Pipeline { get; }

    /// <summary>Composes a run over the source <paramref name="options"/> configure.</summary>
    /// <param name="options">The agent's settings.</param>
    /// <param name="models">The serving model.</param>
    /// <param name="metrics">Where every stage, drop, fault and bad frame is counted.</param>
    /// <param name="loggers">Makes the source's logger.</param>
    /// <param name="logger">The processing log (the caller's category, as before).</param>
    /// <param name="settings">What differs between the worker, the bench and tests.</param>
    public static AgentRun Compose(AgentOptions options, ModelHost models, AgentMetrics metrics, ILoggerFactory loggers, ILogger logger, AgentRunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        settings ??= new AgentRunSettings();
        var source = CreateSource(options, metrics, loggers.CreateLogger("EdgeToolkit.EdgeAgent.Source"));
        ResultWriter? results = null;
        try
        {
            results = settings.WriteResults && !string.IsNullOrWhiteSpace(options.ResultsFile) ? new ResultWriter(options.ResultsFile) : null;
            var processor = CreateProcessor(options, models, metrics, logger, results, settings);
            return new AgentRun(source, results, processor, CreatePipeline(options, source, processor, metrics, logger, settings));
        }
        catch
        {
            results?.Dispose();
            source.Dispose();
            throw;
        }
    }

    /// <summary>The configured source, its restarts and bad frames counted in <paramref name="metrics"/>.</summary>
    public static IFrameSource CreateSource(AgentOptions options, AgentMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        return FrameSourceFactory.Create(options.Source, logger, new SourceEvents { Restarted = _ => metrics.SourceRestarted(), BadFrame = metrics.BadFrame });
    }

    /// <summary>The frame processor with the observers of <paramref name="settings"/>.</summary>
    public static FrameProcessor CreateProcessor(AgentOptions options, ModelHost models, AgentMetrics metrics, ILogger logger, ResultWriter? results, AgentRunSettings? settings = null) =>
        new(options, models, metrics, logger, results) { Observers = (settings ?? new AgentRunSettings()).Observers };

    /// <summary>The pipeline over <paramref name="source"/>: channel capacity, decode overlap, input buffers and source back-off from <paramref name="options"/>.</summary>
    public static AgentPipeline CreatePipeline(AgentOptions options, IFrameSource source, FrameProcessor processor, AgentMetrics metrics, ILogger logger, AgentRunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        settings ??= new AgentRunSettings();
        return new AgentPipeline(source, processor, metrics, logger, options.ChannelCapacity)
        {
            Heartbeat = settings.Heartbeat,
            Backpressure = settings.Backpressure,
            OnPrediction = settings.OnPrediction,
            Overlap = options.OverlapDecode,
            InputBuffers = options.InputBuffers,
            SourceRetryInitial = TimeSpan.FromSeconds(options.Source.RetryInitialSeconds),
            SourceRetryMax = TimeSpan.FromSeconds(options.Source.RetryMaxSeconds),
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Processor.Dispose();
        Results?.Dispose();
        Source.Dispose();
    }
}
