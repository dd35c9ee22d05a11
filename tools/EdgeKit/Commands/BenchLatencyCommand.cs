using System.CommandLine;
using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Training.Models;
using Google.Protobuf;
using TorchSharp;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit bench-latency</c>: the fp32 latency table of docs/benchmarks.md. Builds each
/// architecture with random weights, exports it, and measures batch-1 latency with ONNX Runtime at the
/// given thread counts against the compute floor (2 x MACs / peak FLOP rate).
/// </summary>
public static class BenchLatencyCommand
{
    /// <summary>The models of the table: (architecture, alpha, input size, classes, how a BatchNorm after a Concat is written).</summary>
    public static IReadOnlyList<(string Architecture, double Alpha, int Size, int Classes, StandaloneBatchNormMode BatchNorm)> Models { get; } =
    [
        ("mobilenet_v1", 1.0, 32, 10, default), ("mobilenet_v1", 0.75, 32, 10, default), ("mobilenet_v1", 0.5, 32, 10, default),
        ("mobilenet_v1", 0.25, 32, 10, default), ("resnet20", 1.0, 32, 10, default),
        ("densenet-bc-40", 1.0, 32, 10, StandaloneBatchNormMode.DepthwiseConv), ("densenet-bc-40", 1.0, 32, 10, StandaloneBatchNormMode.BatchNormalization),
        ("mobilenet_v1", 1.0, 224, 1000, default),
    ];

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs per model and thread count", DefaultValueFactory = _ => 300 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs", DefaultValueFactory = _ => 30 };
        var threads = new Option<int[]>("--threads") { Description = "Thread counts", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var peak = new Option<double>("--peak-gflops") { Description = "This CPU's practical peak (GFLOP/s) for the compute floor", DefaultValueFactory = _ => 239 };
        var json = new Option<string?>("--json") { Description = "Write all results as JSON to this file" };
        var command = new Command("bench-latency", "fp32 batch-1 latency of every architecture (random weights) vs the compute floor, as a Markdown table.")
        {
            runs, warmup, threads, peak, json,
        };
        command.SetAction(parse =>
        {
            string dir = Directory.CreateTempSubdirectory("edgekit-bench-latency-").FullName;
            var all = new List<object>();
            try
            {
                var stdout = System.Console.Out;
                stdout.WriteLine("| model | input | MACs | threads | min ms | p50 ms | p90 ms | p99 ms | max ms | floor ms | p50 / floor | min / floor |");
                stdout.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var (architecture, alpha, size, classes, batchNorm) in Models)
                {
                    var spec = new ModelSpec(architecture, classes, 3, size, alpha) { Mean = [0.5f, 0.5f, 0.5f], Std = [0.25f, 0.25f, 0.25f] };
                    torch.random.manual_seed(1);
                    using var model = ModelFactory.Create(spec);
                    model.eval();
                    long macs = ModelComplexity.Measure(model, 3, size, size).Macs;
                    string path = Path.Combine(dir, $"{architecture}-{alpha.ToString(CultureInfo.InvariantCulture)}-{size}-{batchNorm}.onnx");
                    File.WriteAllBytes(path, new OnnxExporter(new OnnxExportOptions { StandaloneBatchNorm = batchNorm }).Export(model, spec).ToByteArray());
                    double floorMs = 2.0 * macs / (parse.GetValue(peak) * 1e9) * 1e3;
                    foreach (int t in parse.GetValue(threads)!)
                    {
                        var r = LatencyBenchmark.Run(path, new LatencyBenchmarkOptions { Runs = parse.GetValue(runs), Warmup = parse.GetValue(warmup), Threads = t });
                        string name = ModelFactory.Family(architecture) switch
                        {
                            ArchitectureFamily.MobileNet => $"{architecture} {alpha.ToString("0.00", CultureInfo.InvariantCulture)}",
                            ArchitectureFamily.DenseNet =>
                                $"{architecture} k=12 (BN after concat: {(batchNorm == StandaloneBatchNormMode.DepthwiseConv ? "dw 1x1 conv" : "BatchNormalization")})",
                            _ => architecture,
                        };
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {name} | 3x{size}x{size} | {macs / 1e6:F1}M | {t} | {r.MinMs:F3} | {r.P50Ms:F3} | {r.P90Ms:F3} | {r.P99Ms:F3} | {r.MaxMs:F3} | {floorMs:F3} | {r.P50Ms / floorMs:F1}x | {r.MinMs / floorMs:F1}x |"));
                        all.Add(new { name, architecture, alpha, size, macs, floorMs, result = r });
                    }
                }
                if (parse.GetValue(json) is { } file)
                    ModelBundle.AtomicFile.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(all, LatencyResult.JsonOptions));
                return 0;
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        });
        return command;
    }
}
