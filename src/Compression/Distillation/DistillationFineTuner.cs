using System.Diagnostics;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Compression.Distillation;

/// <summary>
/// Fine-tunes a (pruned) network, optionally distilled from a teacher with
/// <see cref="DistillationLoss"/>, evaluates it after every epoch and saves the result as a
/// checkpoint with <see cref="Checkpoint.Save"/>. Uses the trainer's data loader, learning-rate
/// schedule and evaluator so preprocessing matches training exactly.
/// </summary>
public sealed class DistillationFineTuner
{
    /// <summary>Creates a fine-tuner; validates <paramref name="options"/>.</summary>
    public DistillationFineTuner(FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
    }

    /// <summary>The options in force.</summary>
    public FineTuneOptions Options { get; }

    /// <summary>
    /// Trains <paramref name="student"/> in place and writes it to <paramref name="checkpointFolder"/>.
    /// The teacher (may be null when <see cref="FineTuneOptions.DistillationWeight"/> is 0) is only
    /// run forward in eval mode.
    /// </summary>
    /// <returns>Metrics of every epoch; the last one is what the checkpoint holds.</returns>
    public IReadOnlyList<EpochMetrics> FineTune(Module<Tensor, Tensor> student, ModelSpec spec, Module<Tensor, Tensor>? teacher,
        ImageDataset train, ImageDataset test, string checkpointFolder,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var o = Options;
        bool distil = o.DistillationWeight > 0;
        if (distil && teacher is null)
            throw new ArgumentException($"FineTuneOptions.DistillationWeight is {o.DistillationWeight} but no teacher was given.", nameof(teacher));
        var loss = new DistillationLoss(o.DistillationWeight, o.Temperature);

        torch.manual_seed(o.Seed);
        using var heap = new NativeHeapRetention();
        using var loader = new BatchLoader(train, Trainer.TrainLoaderOptions(spec, train, o.BatchSize, o.Seed, o.RandomCropPadding, o.HorizontalFlip));
        int batches = o.MaxBatchesPerEpoch > 0 ? Math.Min(o.MaxBatchesPerEpoch, loader.BatchesPerEpoch) : loader.BatchesPerEpoch;
        var schedule = new LearningRateSchedule(new TrainerOptions { Epochs = o.Epochs, LearningRate = o.LearningRate }, batches);
        using var optimizer = torch.optim.SGD(student.parameters(), o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay, nesterov: o.Momentum > 0);
        teacher?.eval();

        var history = new List<EpochMetrics>();
        long step = 0;
        var runClock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            student.train();
            var clock = Stopwatch.StartNew();
            double lossSum = 0, lr = o.LearningRate;
            long correct = 0, seen = 0;
            int batch = 0;
            foreach (var (x, y) in loader.Batches(epoch))
            {
                using var images = x;
                using var labels = y;
                if (batch >= batches) continue; // drain the loader so its prefetch ends cleanly
                cancellationToken.ThrowIfCancellationRequested();
                lr = schedule.At(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                using (var scope = torch.NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var logits = student.call(images);
                    Tensor value;
                    if (distil)
                    {
                        Tensor teacherLogits;
                        using (torch.no_grad()) teacherLogits = teacher!.call(images);
                        value = loss.Compute(logits, teacherLogits, labels);
                    }
                    else
                    {
                        value = loss.Compute(logits, logits, labels);
                    }
                    value.backward();
                    optimizer.step();
                    long n = labels.shape[0];
                    lossSum += value.item<float>() * n;
                    correct += logits.argmax(1).eq(labels).sum().item<long>();
                    seen += n;
                }
                batch++;
                step++;
                if (progress is not null && (batch % 10 == 0 || batch == batches))
                {
                    double perStep = runClock.Elapsed.TotalSeconds / step;
                    long remaining = (long)(o.Epochs - epoch - 1) * batches + (batches - batch);
                    progress.Report(new TrainingProgress(epoch + 1, o.Epochs, batch, batches, lossSum / seen,
                        seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), TimeSpan.FromSeconds(perStep * remaining), lr));
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var evaluation = ClassifierEvaluator.Evaluate(student, spec, test, cancellationToken: cancellationToken);
            history.Add(new EpochMetrics(epoch + 1, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen,
                evaluation.Top1, lr, seconds, seen / Math.Max(seconds, 1e-9)));
        }
        student.eval();
        Checkpoint.Save(checkpointFolder, student, spec, history[^1]);
        return history;
    }
}
