using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Classifies one frame: decode, preprocess into the serving runner's input, run, top-k; times every
/// stage. A bad frame is counted by reason and logged (rate-limited); it never escapes as an exception.
/// </summary>
public sealed class FrameProcessor
{
    private readonly AgentOptions options;
    private readonly ModelHost models;
    private readonly AgentMetrics metrics;
    private readonly ILogger logger;
    private readonly FramePreprocessor preprocessor;
    private readonly ResultWriter? results;
    private long lastBadLog;

    /// <summary>Creates the processor.</summary>
    public FrameProcessor(AgentOptions options, ModelHost models, AgentMetrics metrics, ILogger logger, ResultWriter? results)
    {
        this.options = options;
        this.models = models;
        this.metrics = metrics;
        this.logger = logger;
        this.results = results;
        preprocessor = new FramePreprocessor(options.MaxPixels, options.DecoderMemoryLimitMegabytes);
    }

    /// <summary>Called on the processing thread after every frame, good or bad (bench warm-up marker).</summary>
    public Action? AfterFrame { get; set; }

    /// <summary>The preprocessor (exposes the restricted ImageSharp configuration).</summary>
    public FramePreprocessor Preprocessor => preprocessor;

    /// <summary>Processes and disposes <paramref name="frame"/>; returns the prediction or null when the frame was bad or no model serves.</summary>
    public Prediction? Process(Frame frame)
    {
        try
        {
            return ProcessCore(frame);
        }
        finally
        {
            AfterFrame?.Invoke();
        }
    }

    private Prediction? ProcessCore(Frame frame)
    {
        using (frame)
        {
            long t0 = Stopwatch.GetTimestamp();
            double waitMs = Stopwatch.GetElapsedTime(frame.CapturedTimestamp, t0).TotalMilliseconds;
            using var lease = models.Acquire();
            if (lease is null)
            {
                metrics.BadFrame("no-model");
                return null;
            }
            try
            {
                var runner = lease.Runner;
                var manifest = runner.Bundle.Manifest;
                using var image = options.ReducedJpegDecoding == "off" ? preprocessor.Decode(frame) : preprocessor.Decode(frame, manifest.Width, manifest.Height);
                long t1 = Stopwatch.GetTimestamp();
                FramePreprocessor.ToTensor(image, manifest, runner.Input);
                long t2 = Stopwatch.GetTimestamp();
                runner.Run();
                var (idx, prob) = TopK.Compute(runner.Output, options.TopK);
                long t3 = Stopwatch.GetTimestamp();
                var labels = new string[idx.Length];
                for (int i = 0; i < idx.Length; i++) labels[i] = manifest.Labels[idx[i]];
                double totalMs = waitMs + Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds;
                metrics.Record(Stage.Wait, waitMs);
                metrics.Record(Stage.Decode, Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                metrics.Record(Stage.Preprocess, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                metrics.Record(Stage.Inference, Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
                metrics.Record(Stage.Total, totalMs);
                metrics.FrameProcessed();
                var prediction = new Prediction(frame.Sequence, labels, prob, idx, totalMs);
                results?.Write(prediction);
                if (options.LogEveryNthFrame > 0 && metrics.Processed % options.LogEveryNthFrame == 0)
                    logger.LogInformation("Frame {Sequence}: {Label} ({Probability:P1}) in {Milliseconds:F1} ms",
                        frame.Sequence, labels[0], prob[0], totalMs);
                return prediction;
            }
            catch (BadFrameException e)
            {
                Refuse(e.Reason, e.Message);
                return null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Refuse("error", $"frame {frame.Sequence}: {e.GetType().Name}: {e.Message}");
                return null;
            }
        }
    }

    private void Refuse(string reason, string message)
    {
        metrics.BadFrame(reason);
        // At most one log line per second: a stream of garbage must not flood the journal.
        long now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(lastBadLog, now).TotalSeconds >= 1)
        {
            lastBadLog = now;
            logger.LogWarning("Bad frame dropped ({Reason}): {Message} [{Total} bad so far]", reason, message, metrics.Bad);
        }
    }
}
