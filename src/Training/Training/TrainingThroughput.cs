using System.Diagnostics;
using EdgeToolkit.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Training;

/// <summary>Measures training throughput (images/s) of an architecture on random data with the trainer's own step.</summary>
public static class TrainingThroughput
{
    /// <summary>
    /// Runs <paramref name="warmupSteps"/> untimed and then <paramref name="steps"/> timed optimiser
    /// steps on a fixed random batch and returns timed images per second.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    public static double Measure(ModelSpec spec, TrainerOptions options, int steps = 20, int warmupSteps = 3)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        options.Validate();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        using var heap = options.RetainNativeHeap ? new NativeHeapRetention() : null;
        torch.manual_seed(options.Seed);
        using var model = ModelFactory.Create(spec);
        model.train();
        using var optimizer = TrainingStep.CreateOptimizer(model, options);
        using var images = torch.randn(options.BatchSize, spec.InputChannels, spec.InputSize, spec.InputSize);
        using var targets = torch.randint(0, spec.NumClasses, [options.BatchSize], dtype: ScalarType.Int64);
        using var lossSum = torch.zeros(1, dtype: ScalarType.Float64);
        using var correct = torch.zeros(1, dtype: ScalarType.Int64);
        var objective = new CrossEntropyObjective(options.LabelSmoothing);
        for (int i = 0; i < warmupSteps; i++)
            TrainingStep.Run(model, optimizer, objective, images, targets, lossSum, correct, out _);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
            TrainingStep.Run(model, optimizer, objective, images, targets, lossSum, correct, out _);
        _ = lossSum.item<double>();
        return (double)steps * options.BatchSize / clock.Elapsed.TotalSeconds;
    }
}
