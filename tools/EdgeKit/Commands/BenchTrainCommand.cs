using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit bench-train</c>: training images/s on random data (see benchmarks/training and docs/benchmarks.md).</summary>
public static class BenchTrainCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var arch = new Option<string[]>("--arch") { Description = "Architectures to measure", DefaultValueFactory = _ => ["resnet20", "mobilenet_v1", "densenet-bc-40"], AllowMultipleArgumentsPerToken = true };
        var alpha = new Option<double>("--alpha") { Description = "MobileNet width multiplier", DefaultValueFactory = _ => 1.0 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per optimiser step", DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per architecture", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps before them", DefaultValueFactory = _ => 3 };
        var size = new Option<int>("--input-size") { Description = "Square input in pixels", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--channels") { Description = "Input channels", DefaultValueFactory = _ => 1 };
        var retainHeap = new Option<bool>("--retain-heap") { Description = "Keep freed native memory in the heap (TrainerOptions.RetainNativeHeap)", DefaultValueFactory = _ => true };
        var command = new Command("bench-train", "Measure training throughput (images/s) on random data.")
        {
            arch, alpha, batchSize, threads, steps, warmup, size, channels, retainHeap,
        };
        command.SetAction(parse =>
        {
            var options = new TrainerOptions { BatchSize = parse.GetValue(batchSize), Threads = parse.GetValue(threads), WeightDecay = 5e-4, RetainNativeHeap = parse.GetValue(retainHeap) };
            foreach (var name in parse.GetValue(arch)!)
            {
                double a = ModelFactory.Family(name) == ArchitectureFamily.MobileNet ? parse.GetValue(alpha) : 1.0;
                var spec = new ModelSpec(name, 10, parse.GetValue(channels), parse.GetValue(size), a);
                double ips = TrainingThroughput.Measure(spec, options, parse.GetValue(steps), parse.GetValue(warmup));
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"torchsharp {name} alpha {a:0.00} batch {options.BatchSize} threads {options.Threads} retain-heap {options.RetainNativeHeap}: {ips:F1} images/s"));
            }
            return 0;
        });
        return command;
    }
}
