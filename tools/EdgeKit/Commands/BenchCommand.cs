using System.CommandLine;
using System.Globalization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit bench</c>: batch-1 latency of a bundle's model with ONNX Runtime (p50/p90/p99/max).</summary>
public static class BenchCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var bundle = new Option<string>("--bundle") { Description = "Model bundle folder (model.onnx + manifest.json)", Required = true };
        var runs = new Option<int>("--runs") { Description = "Timed runs", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs", DefaultValueFactory = _ => 20 };
        var threads = new Option<int[]>("--threads") { Description = "ONNX Runtime intra-op thread counts to measure (e.g. --threads 1 2)", DefaultValueFactory = _ => [1], AllowMultipleArgumentsPerToken = true };
        var level = new Option<string>("--optimization") { Description = "Graph optimisation level: disable, basic, extended, all", DefaultValueFactory = _ => "all" };
        level.AcceptOnlyFromAmong("disable", "basic", "extended", "all");
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file" };
        var provider = new Option<string>("--provider") { Description = $"ONNX Runtime execution provider: {string.Join(", ", ExecutionProviderSelector.Names)} (one the loaded library lacks falls back to cpu, and the output says so)", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong([.. ExecutionProviderSelector.Names]);
        var deviceId = new Option<int>("--device-id") { Description = "CUDA / TensorRT device index" };
        var command = new Command("bench", "Measure batch-1 inference latency of a bundle with ONNX Runtime and print p50/p90/p99/max.")
        {
            bundle, runs, warmup, threads, level, json, provider, deviceId,
        };
        command.SetAction(parse =>
        {
            try
            {
                var loaded = ModelBundleFolder.Read(parse.GetValue(bundle)!);
                if (!ExecutionProviderSelector.TryParse(parse.GetValue(provider), out var requested))
                    throw new ArgumentException($"--provider '{parse.GetValue(provider)}' is not one of {string.Join(", ", ExecutionProviderSelector.Names)}");
                var providerOptions = new ExecutionProviderOptions { DeviceId = parse.GetValue(deviceId) };
                var results = new List<LatencyResult>();
                foreach (int t in parse.GetValue(threads)!)
                {
                    results.Add(LatencyBenchmark.Run(loaded.ModelPath, new LatencyBenchmarkOptions
                    {
                        Runs = parse.GetValue(runs),
                        Warmup = parse.GetValue(warmup),
                        Threads = t,
                        InputShape = loaded.Manifest.InputShape,
                        OptimizationLevel = ParseLevel(parse.GetValue(level)!),
                        Provider = requested,
                        ProviderOptions = providerOptions,
                    }));
                }
                var first = results[0];
                System.Console.WriteLine($"execution provider: {first.Provider} (requested {first.ProviderRequested}{(first.ProviderFallback is null ? "" : ": " + first.ProviderFallback)})");
                var m = loaded.Manifest;
                AnsiConsole.Write(Table($"{m.Architecture} alpha {m.Alpha.ToString(CultureInfo.InvariantCulture)} {KebabCase.Name(m.Precision)} [{string.Join(", ", m.InputShape)}] on {first.Provider}", results));
                if (parse.GetValue(json) is { } path)
                {
                    ModelBundle.AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(results, LatencyResult.JsonOptions));
                    System.Console.WriteLine($"wrote {path}");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or BundleException or OnnxRuntimeException or IOException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The ONNX Runtime level for a CLI name.</summary>
    public static GraphOptimizationLevel ParseLevel(string name) => name switch
    {
        "disable" => GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    /// <summary>A table of latency results, one row per configuration.</summary>
    public static Table Table(string title, IEnumerable<LatencyResult> results)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var column in new[] { "threads", "runs", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                r.Threads.ToString(CultureInfo.InvariantCulture), r.Runs.ToString(CultureInfo.InvariantCulture),
                F(r.MeanMs), F(r.P50Ms), F(r.P90Ms), F(r.P99Ms), F(r.MaxMs));
        }
        return table;
    }

    private static string F(double ms) => ms.ToString("F3", CultureInfo.InvariantCulture);
}
