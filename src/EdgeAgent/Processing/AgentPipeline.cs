using System.Threading.Channels;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Capture thread -> bounded channel -> processing thread. For a live source the channel drops the
/// oldest frame when processing lags (counted); for a file/folder/unpaced source capture waits instead.
/// </summary>
public sealed class AgentPipeline
{
    private readonly IFrameSource source;
    private readonly FrameProcessor processor;
    private readonly AgentMetrics metrics;
    private readonly ILogger logger;
    private readonly int capacity;

    /// <summary>Creates the pipeline.</summary>
    public AgentPipeline(IFrameSource source, FrameProcessor processor, AgentMetrics metrics, ILogger logger, int capacity)
    {
        this.source = source;
        this.processor = processor;
        this.metrics = metrics;
        this.logger = logger;
        this.capacity = capacity;
    }

    /// <summary>Called from the processing loop at least once a second while it is alive (systemd watchdog).</summary>
    public Action? Heartbeat { get; init; }

    /// <summary>
    /// Capture waits for processing even for a live source (nothing dropped by the channel): the bench
    /// uses it to process exactly the frames it takes; a camera then drops frames in its driver instead.
    /// </summary>
    public bool Backpressure { get; init; }

    /// <summary>Called with every prediction (tests, GPIO actions).</summary>
    public Action<Prediction>? OnPrediction { get; init; }

    /// <summary>
    /// Runs until <paramref name="maxFrames"/> frames were processed (0 = no limit; bad frames count too),
    /// the source ends and the channel drains, or <paramref name="ct"/> is cancelled. Returns frames processed (good + bad).
    /// </summary>
    public Task<long> RunAsync(long maxFrames, CancellationToken ct)
    {
        bool dropOldest = source.IsLive && !Backpressure;
        var channel = Channel.CreateBounded<Frame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = dropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
        }, dropped =>
        {
            dropped.Dispose();
            metrics.FrameDropped();
        });
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var captureDone = new ManualResetEventSlim();
        var capture = new Thread(() =>
        {
            try
            {
                source.Run(frame =>
                {
                    if (dropOldest) { if (!channel.Writer.TryWrite(frame)) frame.Dispose(); return; }
                    try { channel.Writer.WriteAsync(frame, stop.Token).AsTask().GetAwaiter().GetResult(); }
                    catch (Exception e) when (e is OperationCanceledException or ChannelClosedException) { frame.Dispose(); }
                }, stop.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "{Source}: capture loop failed", source.Description);
            }
            finally
            {
                channel.Writer.TryComplete();
                captureDone.Set();
            }
        }) { IsBackground = true, Name = "edgeagent-capture" };

        var processing = new Thread(() =>
        {
            long count = 0;
            try
            {
                var reader = channel.Reader;
                Task<bool>? pendingWait = null;
                while (!stop.IsCancellationRequested && (maxFrames == 0 || count < maxFrames))
                {
                    Heartbeat?.Invoke();
                    if (!reader.TryRead(out var frame))
                    {
                        pendingWait ??= reader.WaitToReadAsync(stop.Token).AsTask();
                        try
                        {
                            if (!pendingWait.Wait(TimeSpan.FromSeconds(1))) continue;
                            bool more = pendingWait.Result;
                            pendingWait = null;
                            if (!more) break; // source ended and channel drained
                        }
                        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { break; }
                        continue;
                    }
                    count++;
                    var prediction = processor.Process(frame);
                    if (prediction is not null) OnPrediction?.Invoke(prediction);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "Processing loop failed");
            }
            finally
            {
                stop.Cancel();
                // Frames still queued hold pooled buffers.
                captureDone.Wait(TimeSpan.FromSeconds(2));
                while (channel.Reader.TryRead(out var left)) left.Dispose();
                done.TrySetResult(count);
            }
        }) { IsBackground = true, Name = "edgeagent-processing" };
        capture.Start();
        processing.Start();
        return done.Task;
    }
}
