using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Tests.Export;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Tests.Evaluation;

public sealed class LatencyBenchmarkTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bench-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string TinyModel()
    {
        var spec = ExportTestModels.Spec("mobilenet_v1", 1, 16, 0.25);
        using var model = ExportTestModels.Create(spec);
        string path = Path.Combine(dir, "m.onnx");
        File.WriteAllBytes(path, new OnnxExporter().Export(model, spec).ToByteArray());
        return path;
    }

    [Fact]
    public void Benchmark_times_every_run_and_orders_the_percentiles()
    {
        string path = TinyModel();
        var progress = new RecordingProgress<int>();

        var result = LatencyBenchmark.Run(path, new LatencyBenchmarkOptions { Runs = 25, Warmup = 3, Threads = 1, BatchSize = 2 }, progress);

        Assert.Equal(25, result.Runs);
        Assert.Equal(Enumerable.Range(1, 25), progress.Reports);
        Assert.Equal([2L, 1L, 16L, 16L], result.InputShape);
        Assert.True(result.MinMs > 0);
        Assert.True(result.MinMs <= result.P50Ms && result.P50Ms <= result.P90Ms && result.P90Ms <= result.P99Ms && result.P99Ms <= result.MaxMs);
        Assert.InRange(result.MeanMs, result.MinMs, result.MaxMs);
        Assert.Equal(nameof(GraphOptimizationLevel.ORT_ENABLE_ALL), result.OptimizationLevel);
    }

    [Fact]
    public void Result_round_trips_through_json()
    {
        var result = LatencyBenchmark.Run(TinyModel(), new LatencyBenchmarkOptions { Runs = 3, Warmup = 0 });
        string json = Path.Combine(dir, "out", "bench.json");

        result.Save(json);
        var back = LatencyResult.Load(json);

        Assert.Equal(result.P99Ms, back.P99Ms);
        Assert.Equal(result.InputShape, back.InputShape);
        Assert.Contains("\"p50Ms\"", File.ReadAllText(json));
    }

    [Fact]
    public void Profile_gives_every_node_of_the_optimised_graph_a_kernel_time_per_run()
    {
        string path = TinyModel();

        var profile = LatencyBenchmark.Profile(path, new LatencyBenchmarkOptions { Runs = 6, Warmup = 2, Threads = 1, OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL });

        // Unoptimised, ONNX Runtime runs exactly the exported nodes, under their own names and op types.
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(model.Graph.Node.Select(n => n.Name).Order(), profile.Nodes.Select(n => n.Node).Order());
        Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv"), profile.ByOpType.Single(o => o.OpType == "Conv").Nodes);
        Assert.Equal(6, profile.Runs);
        Assert.All(profile.Nodes, n => Assert.True(n.MeanMicroseconds >= 0));
        Assert.True(profile.KernelMicroseconds > 0 && profile.KernelMicroseconds <= profile.RunMicroseconds);
    }

    [Fact]
    public void Profile_parse_leaves_out_the_warmup_runs_and_averages_the_rest()
    {
        // Two runs: the first (warm-up) holds a slow kernel that must not count.
        string json = """
            [
              {"cat":"Session","name":"model_run","ts":100,"dur":50,"args":{}},
              {"cat":"Node","name":"conv_kernel_time","ts":110,"dur":40,"args":{"op_name":"Conv"}},
              {"cat":"Session","name":"model_run","ts":200,"dur":20,"args":{}},
              {"cat":"Node","name":"conv_fence_before","ts":201,"dur":0,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"conv_kernel_time","ts":202,"dur":8,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"relu_kernel_time","ts":211,"dur":2,"args":{"op_name":"Relu"}},
              {"cat":"Session","name":"model_run","ts":300,"dur":30,"args":{}},
              {"cat":"Node","name":"conv_kernel_time","ts":302,"dur":12,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"relu_kernel_time","ts":315,"dur":4,"args":{"op_name":"Relu"}}
            ]
            """;

        var profile = OperatorProfile.Parse(System.Text.Encoding.UTF8.GetBytes(json), warmupRuns: 1);

        Assert.Equal(2, profile.Runs);
        Assert.Equal(25, profile.RunMicroseconds);
        Assert.Equal([new NodeTime("conv", "Conv", 10), new NodeTime("relu", "Relu", 3)], profile.Nodes);
        Assert.Equal(("Conv", 10.0, 1), profile.ByOpType[0]);
        Assert.Throws<ArgumentException>(() => OperatorProfile.Parse(System.Text.Encoding.UTF8.GetBytes(json), warmupRuns: 3));
        Assert.Throws<ArgumentException>(() => OperatorProfile.Parse("{\"not\": \"a profile\"}"u8, warmupRuns: 0));
    }

    [Theory]
    [InlineData(0, 1, 1, "Runs")]
    [InlineData(5, -1, 1, "Warmup")]
    [InlineData(5, 0, 0, "Threads")]
    public void Invalid_options_are_refused_naming_the_setting(int runs, int warmup, int threads, string setting)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            LatencyBenchmark.Run("unused.onnx", new LatencyBenchmarkOptions { Runs = runs, Warmup = warmup, Threads = threads }));
        Assert.Contains(setting, e.Message);
    }

    [Theory]
    [InlineData(new double[] { 5, 1, 3, 2, 4 }, 0.5, 3)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.9, 9)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.99, 10)]
    public void Percentile_is_nearest_rank(double[] values, double fraction, double expected)
    {
        Array.Sort(values);
        Assert.Equal(expected, LatencyBenchmark.Percentile(values, fraction));
    }
}
