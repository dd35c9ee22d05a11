using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Classifies frames in two halves that may run on two threads: <see cref="Prepare"/> (decode + preprocess
/// into an <see cref="InputSlot"/> for the serving model) and <see cref="Complete"/> (run that model, top-k,
/// record every stage). <see cref="Process"/> does both on the calling thread. A bad frame is counted by
/// reason and logged (rate-limited); it never escapes as an exception.
/// </summary>
public sealed class FrameProcessor : IDisposable
{
    private readonly AgentOptions options;
    private readonly ModelHost models;
    private readonly AgentMetrics metrics;
    private readonly ILogger logger;
    private readonly FramePreprocessor preprocessor;
    private readonly ResultWriter? results;
    private readonly InputSlot ownSlot = new();
    private readonly bool reducedJpegDecoding;
    private long lastBadLog;
    private long lastObserverLog;

    /// <summary>Creates the processor.</summary>
    public FrameProcessor(AgentOptions options, ModelHost models, AgentMetrics metrics, ILogger logger, ResultWriter? results)
    {
        this.options = options;
        this.models = models;
        this.metrics = metrics;
        this.logger = logger;
        this.results = results;
        preprocessor = new FramePreprocessor(options.MaxPixels, options.DecoderMemoryLimitMegabytes);
        reducedJpegDecoding = options.ReducedJpegDecodingMode == ReducedJpegDecodingMode.Auto;
    }

    /// <summary>Called by <see cref="Complete"/> after every frame, good or bad (bench warm-up marker).</summary>
    public Action? AfterFrame { get; set; }

    /// <summary>
    /// Observers of every classified frame (live page, capture, GPIO), called in order on the inference thread
    /// after the result is recorded; empty = no extra work per frame.
    /// </summary>
    public IReadOnlyList<IFrameObserver> Observers { get; init; } = [];

    /// <summary>Processes and disposes <paramref name="frame"/> on this thread; returns the prediction or null when the frame was bad or no model serves.</summary>
    public Prediction? Process(Frame frame)
    {
        Prepare(frame, ownSlot);
        return Complete(ownSlot);
    }

    /// <summary>
    /// Decode stage: disposes <paramref name="frame"/> (or hands it to the slot when an observer wants its bytes) after decoding and preprocessing it into
    /// <paramref name="slot"/> for the model serving now (the slot keeps a lease on that model, so a reload
    /// cannot give the input to a model of another shape). A bad frame is counted here and leaves the slot unprepared.
    /// Only one thread may call it at a time (the preprocessor reuses scratch memory).
    /// </summary>
    public void Prepare(Frame frame, InputSlot slot)
    {
        bool kept = false;
        try
        {
            slot.Begin(frame.Sequence, frame.CapturedTimestamp, Stopwatch.GetTimestamp(), frame.Source);
            if (Observers.Count > 0 && ObserversWantBytes(frame.Sequence))
            {
                slot.KeepFrame(frame); // the slot disposes it after the observers saw it: no copy
                kept = true;
            }
            var lease = models.Acquire();
            if (lease is null)
            {
                metrics.BadFrame("no-model");
                return;
            }
            try
            {
                var manifest = lease.Runner.Bundle.Manifest;
                using var image = reducedJpegDecoding ? preprocessor.Decode(frame, manifest.Width, manifest.Height) : preprocessor.Decode(frame);
                long decoded = Stopwatch.GetTimestamp();
                FramePreprocessor.ToTensor(image, manifest, slot.Bind(manifest));
                slot.Prepared(lease, decoded, Stopwatch.GetTimestamp());
                lease = null; // the slot owns it now
            }
            catch (BadFrameException e)
            {
                Refuse(e.Reason, e.Message, lease?.Generation);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Refuse("error", $"frame {frame.Sequence}: {e.GetType().Name}: {e.Message}", lease?.Generation);
            }
            finally
            {
                lease?.Dispose();
            }
        }
        finally
        {
            if (!kept) frame.Dispose();
        }
    }

    /// <summary>
    /// Inference stage: runs the model <paramref name="slot"/> was prepared for, computes top-k, records all
    /// stages (wait = time queued before decoding and between preprocessing and inference) and clears the
    /// slot. Returns null for a bad frame (already counted by <see cref="Prepare"/>).
    /// </summary>
    public Prediction? Complete(InputSlot slot)
    {
        try
        {
            return slot.IsPrepared ? Classify(slot) : null;
        }
        finally
        {
            slot.Clear();
            AfterFrame?.Invoke();
        }
    }

    private Prediction? Classify(InputSlot slot)
    {
        try
        {
            var runner = slot.Lease!.Runner;
            var manifest = runner.Bundle.Manifest;
            long started = Stopwatch.GetTimestamp();
            runner.Run(slot.Value);
            if (TopK.FirstNonFinite(runner.Output) is int bad)
            {
                // NaN/Inf logits have no ranking: a counted, named fault rather than a prediction of class -1.
                Refuse("non-finite-output", $"frame {slot.Sequence}: the model returned {runner.Output[bad]} for class {bad} ({manifest.Labels[bad]}); no prediction",
                    slot.Lease!.Generation);
                return null;
            }
            var (idx, prob) = TopK.Compute(runner.Output, options.TopK);
            long done = Stopwatch.GetTimestamp();
            var labels = new string[idx.Length];
            for (int i = 0; i < idx.Length; i++) labels[i] = manifest.Labels[idx[i]];
            double decodeMs = Stopwatch.GetElapsedTime(slot.TakenTimestamp, slot.DecodedTimestamp).TotalMilliseconds;
            double preprocessMs = Stopwatch.GetElapsedTime(slot.DecodedTimestamp, slot.PreparedTimestamp).TotalMilliseconds;
            double inferenceMs = Stopwatch.GetElapsedTime(started, done).TotalMilliseconds;
            double waitMs = Stopwatch.GetElapsedTime(slot.CapturedTimestamp, slot.TakenTimestamp).TotalMilliseconds
                + Stopwatch.GetElapsedTime(slot.PreparedTimestamp, started).TotalMilliseconds;
            double totalMs = Stopwatch.GetElapsedTime(slot.CapturedTimestamp, done).TotalMilliseconds;
            metrics.Record(Stage.Wait, waitMs);
            metrics.Record(Stage.Decode, decodeMs);
            metrics.Record(Stage.Preprocess, preprocessMs);
            metrics.Record(Stage.Inference, inferenceMs);
            metrics.Record(Stage.Total, totalMs);
            metrics.FrameProcessed();
            metrics.Recent.Record(slot.Lease!.Generation, totalMs, inferenceMs, prob[0], done);
            var prediction = new Prediction(slot.Sequence, labels, prob, idx, totalMs, slot.Source);
            results?.Write(prediction);
            if (Observers.Count > 0)
                Notify(new FrameObservation(prediction, new StageTimes(waitMs, decodeMs, preprocessMs, inferenceMs, totalMs), manifest,
                    slot.Input, slot.FrameBytes, slot.FrameFormat, slot.FrameWidth, slot.FrameHeight));
            if (options.LogEveryNthFrame > 0 && metrics.Processed % options.LogEveryNthFrame == 0)
                logger.LogInformation("Frame {Sequence}: {Label} ({Probability:P1}) in {Milliseconds:F1} ms",
                    slot.Sequence, labels[0], prob[0], totalMs);
            return prediction;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Refuse("error", $"frame {slot.Sequence}: {e.GetType().Name}: {e.Message}", slot.Lease?.Generation);
            return null;
        }
    }

    private bool ObserversWantBytes(long sequence)
    {
        bool wants = false;
        foreach (var observer in Observers)
        {
            try { wants |= observer.WantsFrameBytes(sequence); }
            catch (Exception e) when (e is not OutOfMemoryException) { ObserverFailed(observer, e); }
        }
        return wants;
    }

    private void Notify(in FrameObservation observation)
    {
        foreach (var observer in Observers)
        {
            try { observer.OnFrame(observation); }
            catch (Exception e) when (e is not OutOfMemoryException) { ObserverFailed(observer, e); }
        }
    }

    private void ObserverFailed(IFrameObserver observer, Exception e)
    {
        // An observer (page, capture, GPIO) must never stop inference: log at most once a minute.
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref lastObserverLog);
        if ((last == 0 || Stopwatch.GetElapsedTime(last, now).TotalSeconds >= 60) && Interlocked.CompareExchange(ref lastObserverLog, now, last) == last)
            logger.LogError(e, "{Observer} failed on a frame; inference goes on", observer.GetType().Name);
    }

    /// <summary>Counts a refused frame (in the serving model's recent figures too when <paramref name="generation"/> is known) and logs it, rate-limited.</summary>
    private void Refuse(string reason, string message, int? generation)
    {
        metrics.BadFrame(reason);
        if (generation is int g) metrics.Recent.RecordBad(g, Stopwatch.GetTimestamp());
        // At most one log line per second: a stream of garbage must not flood the journal. Both stages call this.
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref lastBadLog);
        if (Stopwatch.GetElapsedTime(last, now).TotalSeconds >= 1 && Interlocked.CompareExchange(ref lastBadLog, now, last) == last)
            logger.LogWarning("Bad frame dropped ({Reason}): {Message} [{Total} bad so far]", reason, message, metrics.Bad);
    }

    /// <summary>Releases the slot <see cref="Process"/> uses.</summary>
    public void Dispose() => ownSlot.Dispose();
}
