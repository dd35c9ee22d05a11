using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Capture thread -> bounded channel -> decode thread -> ring of reused <see cref="InputSlot"/>s ->
/// inference thread. For a live source the channel drops the oldest frame when processing lags (counted);
/// for a file/folder/unpaced source capture waits instead. The decode thread takes a frame only when a slot
/// is free, so decoding and preprocessing frame n+1 overlap inference of frame n and a frame waits in the
/// channel (where a live source can still replace it) rather than after decoding. With
/// <see cref="Overlap"/> off one processing thread decodes, preprocesses and runs each frame in turn.
/// </summary>
public sealed class AgentPipeline
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
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

    /// <summary>
    /// Called from the inference loop at least once a second while both processing loops are alive
    /// (systemd watchdog): a hung decode thread stops the beats as surely as a hung inference thread.
    /// </summary>
    public Action? Heartbeat { get; init; }

    /// <summary>
    /// Capture waits for processing even for a live source (nothing dropped by the channel): the bench
    /// uses it to process exactly the frames it takes; a camera then drops frames in its driver instead.
    /// </summary>
    public bool Backpressure { get; init; }

    /// <summary>Called with every prediction (tests, GPIO actions), in frame order, on the inference thread.</summary>
    public Action<Prediction>? OnPrediction { get; init; }

    /// <summary>Decode and preprocess on their own thread, overlapping inference (<c>EdgeAgent:OverlapDecode</c>).</summary>
    public bool Overlap { get; init; } = true;

    /// <summary>
    /// Back-off after the source throws (a source fault, e.g. an unreadable device): the capture thread counts a
    /// source restart, waits and runs the source again, doubling the delay up to <see cref="SourceRetryMax"/>.
    /// </summary>
    public TimeSpan SourceRetryInitial { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Longest back-off between source restarts after faults.</summary>
    public TimeSpan SourceRetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The unexpected error that ended a processing loop of the last run, or null when the run ended because the
    /// source ended, the frame limit was reached or it was cancelled. The agent exits non-zero on it.
    /// </summary>
    public Exception? Failure => Volatile.Read(ref failure);

    private Exception? failure;

    private void Fail(Exception e, string loop)
    {
        Interlocked.CompareExchange(ref failure, e, null);
        logger.LogCritical(e, "{Loop} loop failed", loop);
    }

    /// <summary>Reused model inputs shared by the two stages when <see cref="Overlap"/> is on (<c>EdgeAgent:InputBuffers</c>, at least 2).</summary>
    public int InputBuffers { get; init; } = 2;

    /// <summary>
    /// Runs until <paramref name="maxFrames"/> frames were processed (0 = no limit; bad frames count too),
    /// the source ends and the stages drain, or <paramref name="ct"/> is cancelled. Returns frames processed (good + bad).
    /// </summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification =
        "The run's state belongs to its threads: the last processing thread disposes it in RunState.Finish once the others have ended; the analyzer does not follow thread lambdas.")]
    public Task<long> RunAsync(long maxFrames, CancellationToken ct)
    {
        if (Overlap && InputBuffers < 2)
            throw new ArgumentOutOfRangeException(nameof(InputBuffers), InputBuffers, "EdgeAgent:InputBuffers must be at least 2 when EdgeAgent:OverlapDecode is on");
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
        var run = new RunState(channel.Reader, ct);
        var capture = new Thread(() =>
        {
            void Deliver(Frame frame)
            {
                if (dropOldest) { if (!channel.Writer.TryWrite(frame)) frame.Dispose(); return; }
                try { channel.Writer.WriteAsync(frame, run.Stop.Token).AsTask().GetAwaiter().GetResult(); }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException) { frame.Dispose(); }
            }
            try
            {
                // A source that throws is a source fault: counted as a restart and run again after a back-off.
                var backoff = new Backoff(SourceRetryInitial, SourceRetryMax);
                while (!run.Stop.IsCancellationRequested)
                {
                    try
                    {
                        source.Run(Deliver, run.Stop.Token);
                        break;
                    }
                    catch (Exception e) when (e is not OutOfMemoryException && !run.Stop.IsCancellationRequested)
                    {
                        metrics.SourceRestarted();
                        var delay = backoff.NextDelay();
                        logger.LogError("{Source}: source fault {Error}: {Message}; restarting it in {Delay} s (fault {Count})",
                            source.Description, e.GetType().Name, e.Message, delay.TotalSeconds, backoff.Failures);
                        if (run.Stop.Token.WaitHandle.WaitOne(delay)) break;
                    }
                }
            }
            catch (OperationCanceledException) { }
            finally
            {
                channel.Writer.TryComplete();
            }
        }) { IsBackground = true, Name = "edgeagent-capture" };
        run.Capture = capture;
        capture.Start();
        if (Overlap) StartOverlapped(run, maxFrames);
        else StartSerial(run, maxFrames);
        return run.Done.Task;
    }

    /// <summary>One processing thread: take, decode, preprocess, run, repeat.</summary>
    private void StartSerial(RunState run, long maxFrames)
    {
        new Thread(() =>
        {
            long count = 0;
            try
            {
                while (!run.Stop.IsCancellationRequested && (maxFrames == 0 || count < maxFrames))
                {
                    Heartbeat?.Invoke();
                    var taken = run.TryTake(out var frame);
                    if (taken == Take.Ended) break;
                    if (taken == Take.Idle) continue;
                    count++;
                    var prediction = processor.Process(frame!);
                    if (prediction is not null) OnPrediction?.Invoke(prediction);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(e, "Processing");
            }
            finally
            {
                run.Finish(count, othersEnded: true, []);
            }
        }) { IsBackground = true, Name = "edgeagent-processing" }.Start();
    }

    /// <summary>Decode thread and inference thread connected by a ring of reused input slots.</summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification =
        "The slots and queues belong to the two threads: the inference thread disposes them in RunState.Finish once the decode thread has ended; the analyzer does not follow thread lambdas.")]
    private void StartOverlapped(RunState run, long maxFrames)
    {
        var slots = Enumerable.Range(0, InputBuffers).Select(_ => new InputSlot()).ToArray();
        var free = new BlockingCollection<InputSlot>(new ConcurrentQueue<InputSlot>(slots));
        var ready = new BlockingCollection<InputSlot>(new ConcurrentQueue<InputSlot>());
        int decodeAlive = 1;
        var decode = new Thread(() =>
        {
            long taken = 0;
            try
            {
                while (!run.Stop.IsCancellationRequested && (maxFrames == 0 || taken < maxFrames))
                {
                    Volatile.Write(ref decodeAlive, 1);
                    // A free slot first, then the newest frame: a frame never waits decoded while a fresher one is queued.
                    if (!free.TryTake(out var slot, (int)Tick.TotalMilliseconds, run.Stop.Token)) continue;
                    var result = run.TryTake(out var frame);
                    if (result != Take.Frame)
                    {
                        free.Add(slot);
                        if (result == Take.Ended) break;
                        continue;
                    }
                    taken++;
                    processor.Prepare(frame!, slot);
                    ready.Add(slot);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(e, "Decode");
            }
            finally
            {
                ready.CompleteAdding();
            }
        }) { IsBackground = true, Name = "edgeagent-decode" };

        var inference = new Thread(() =>
        {
            long count = 0;
            try
            {
                while (true)
                {
                    if (Interlocked.Exchange(ref decodeAlive, 0) == 1) Heartbeat?.Invoke();
                    if (!ready.TryTake(out var slot, (int)Tick.TotalMilliseconds, run.Stop.Token))
                    {
                        if (ready.IsCompleted) break; // decoding ended and everything decoded is done
                        continue;
                    }
                    count++;
                    var prediction = processor.Complete(slot);
                    free.Add(slot);
                    if (prediction is not null) OnPrediction?.Invoke(prediction);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(e, "Inference");
            }
            finally
            {
                run.Stop.Cancel();
                // A decode thread still inside a long decode keeps its slot; the process is ending anyway.
                bool decodeEnded = decode.Join(TimeSpan.FromSeconds(2));
                run.Finish(count, decodeEnded, [.. slots, free, ready]);
            }
        }) { IsBackground = true, Name = "edgeagent-inference" };
        decode.Start();
        inference.Start();
    }

    private enum Take { Frame, Idle, Ended }

    /// <summary>State shared by the threads of one <see cref="RunAsync"/>; disposed by <see cref="Finish"/> once no thread uses it.</summary>
    private sealed class RunState(ChannelReader<Frame> reader, CancellationToken ct) : IDisposable
    {
        private Task<bool>? pendingWait;

        /// <summary>Cancelled when the run stops; linked to the caller's token (disposing it ends that registration).</summary>
        public CancellationTokenSource Stop { get; } = CancellationTokenSource.CreateLinkedTokenSource(ct);

        /// <summary>The capture thread, joined by <see cref="Finish"/>.</summary>
        public Thread? Capture { get; set; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Takes the next frame, waiting at most a second (Idle) so the caller's loop stays alive; Ended when the source ended and the channel is drained or the run stops.</summary>
        public Take TryTake(out Frame? frame)
        {
            if (reader.TryRead(out frame)) return Take.Frame;
            pendingWait ??= reader.WaitToReadAsync(Stop.Token).AsTask();
            try
            {
                if (!pendingWait.Wait(Tick)) return Take.Idle;
                bool more = pendingWait.Result;
                pendingWait = null;
                if (!more) return Take.Ended;
                return reader.TryRead(out frame) ? Take.Frame : Take.Idle;
            }
            catch (AggregateException e) when (e.InnerException is OperationCanceledException)
            {
                return Take.Ended;
            }
        }

        /// <summary>
        /// Called last by the last processing thread: stops capture, returns every pooled frame buffer still queued and
        /// reports <paramref name="count"/>. When the other processing thread has ended (<paramref name="othersEnded"/>) it
        /// disposes <paramref name="owned"/> (input slots, returning their model leases, and queues), and when capture has
        /// ended too, this state; a thread still stuck after 2 s keeps what it may use (the agent is ending anyway).
        /// </summary>
        public void Finish(long count, bool othersEnded, IDisposable[] owned)
        {
            Stop.Cancel();
            bool captureEnded = Capture?.Join(TimeSpan.FromSeconds(2)) ?? true;
            while (reader.TryRead(out var left)) left.Dispose();
            if (othersEnded)
            {
                foreach (var d in owned) d.Dispose();
                if (captureEnded) Dispose();
            }
            Done.TrySetResult(count);
        }

        public void Dispose() => Stop.Dispose();
    }
}
