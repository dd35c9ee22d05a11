// Batch-1 latency of MobileNet v1 (random weights, 224x224, 1000 classes) in fp32 and QDQ int8,
// with ONNX Runtime at ORT_ENABLE_ALL and 2 intra-op threads. fp32 and int8 are measured in
// alternating rounds so drift on a shared machine hits all; the median of the rounds' p50 is kept.
// Usage: dotnet run -c Release --project benchmarks/QuantizationLatency [-- rounds runs] [--profile [--layers]]
// --profile: instead of latency, ONNX Runtime's per-node kernel times (LatencyBenchmark.Profile, 200 runs) of fp32 and
// the int8 variants, summed per part of the network: stem, depthwise, pointwise, classifier, the rest (input
// QuantizeLinear, its Pad and Transpose, pool, reshape). Node names are those ONNX Runtime gives our exporter's graph.
// --profile --layers: also, per layer, the stem's and each depthwise conv's kernel time in fp32 and in the default int8
// variant (all layers quantized), with its channels and output map, to see which layers int8 does not speed up.
using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Training.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

bool profile = args.Contains("--profile");
bool layers = args.Contains("--layers");
args = args.Where(a => a is not "--profile" and not "--layers").ToArray();
int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
const int Size = 224, Classes = 1000, Calibration = 32;
string folder = Path.Combine(Path.GetTempPath(), "edgekit-quantization-latency");
Directory.CreateDirectory(folder);
var bench = new LatencyBenchmarkOptions { Runs = runs, Warmup = 20, Threads = 2, BatchSize = 1, OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };

Console.WriteLine($"MobileNet v1 {Size}x{Size}, {Classes} classes, random weights; batch 1, 2 threads, ORT_ENABLE_ALL; {rounds} rounds x {runs} runs, median of round p50s");
Console.WriteLine("| alpha | variant | fp32 p50 ms | int8 p50 ms | int8/fp32 latency (range over rounds) | fp32 MB | int8 MB | size ratio |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (double alpha in new[] { 1.0, 0.5 })
{
    var spec = new ModelSpec("mobilenet_v1", Classes, 3, Size, alpha) { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };
    string fp32Path = Path.Combine(folder, $"mobilenet_v1_{alpha:F2}_fp32.onnx");
    Onnx.ModelProto floatModel;
    using (var model = new MobileNetV1(Classes, alpha, 3, Size))
    {
        model.eval();
        floatModel = new OnnxExporter().Export(model, spec);
    }
    File.WriteAllBytes(fp32Path, floatModel.ToByteArray());
    // The calibration method changes scales, not the graph, so not the latency.
    var minMax = new QuantizationOptions { CalibrationCount = Calibration, Method = CalibrationMethod.MinMax };
    var variants = new (string Name, QuantizationOptions Options)[]
    {
        ("int8, all layers", minMax with { FloatLayers = FloatLayers.None }),
        // What the x86 default did before the stem's input channels were padded to 4 (InputChannelPadding).
        ("int8, all layers, stem not padded", minMax with { FloatLayers = FloatLayers.None, PadInputChannels = false }),
        ("int8, float first conv", minMax with { FloatLayers = FloatLayers.FirstConv }),
        ("int8, float first conv + classifier", minMax with { FloatLayers = FloatLayers.FirstConv | FloatLayers.Classifier }),
        ("int8, all layers, 7-bit weights", minMax with { FloatLayers = FloatLayers.None, ReduceWeightRange = true }),
    };
    var paths = new List<string>();
    for (int v = 0; v < variants.Length; v++)
    {
        string int8Path = Path.Combine(folder, $"mobilenet_v1_{alpha:F2}_variant{v}.onnx");
        new QdqQuantizer(variants[v].Options).QuantizeFile(fp32Path, int8Path, RandomBatches(Calibration, Size));
        paths.Add(int8Path);
    }
    if (profile)
    {
        var profileOptions = bench with { Runs = 200 };
        Console.WriteLine($"alpha {alpha:F2}: kernel time per run in microseconds (share of the graph's kernel time)");
        Console.WriteLine("| model | run | stem | depthwise | pointwise | classifier | rest |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var profiles = new List<OperatorProfile>();
        foreach (var (name, path) in new[] { ("fp32", fp32Path) }.Concat(paths.Select((p, v) => (variants[v].Name, p))))
        {
            var p = LatencyBenchmark.Profile(path, profileOptions);
            profiles.Add(p);
            var parts = p.Nodes.GroupBy(n => Part(n.Node)).ToDictionary(g => g.Key, g => g.Sum(n => n.MeanMicroseconds));
            string Cell(string part) => string.Create(CultureInfo.InvariantCulture,
                $"{parts.GetValueOrDefault(part):F0} ({100 * parts.GetValueOrDefault(part) / p.KernelMicroseconds:F1} %)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {p.RunMicroseconds:F0} | {Cell("stem")} | {Cell("depthwise")} | {Cell("pointwise")} | {Cell("classifier")} | {Cell("rest")} |"));
        }
        if (layers) PrintLayers(alpha, profiles[0], profiles[1]);
        continue;
    }
    // Each round measures fp32 and then every variant, so drift on a shared machine hits all of them.
    var fp32 = new List<double>();
    var int8 = paths.Select(_ => new List<double>()).ToList();
    for (int r = 0; r < rounds; r++)
    {
        fp32.Add(LatencyBenchmark.Run(fp32Path, bench).P50Ms);
        for (int v = 0; v < paths.Count; v++) int8[v].Add(LatencyBenchmark.Run(paths[v], bench).P50Ms);
    }
    double f = Median.Of(fp32), fMb = new FileInfo(fp32Path).Length / 1e6;
    for (int v = 0; v < paths.Count; v++)
    {
        double q = Median.Of(int8[v]), qMb = new FileInfo(paths[v]).Length / 1e6;
        var ratios = fp32.Zip(int8[v], (a, b) => b / a).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {alpha:F2} | {variants[v].Name} | {f:F2} | {q:F2} | {q / f:F2} ({ratios[0]:F2}-{ratios[^1]:F2}) | {fMb:F2} | {qMb:F2} | {qMb / fMb:F3} |"));
    }
}

// ONNX Runtime names the fp32 graph's NCHWc convs after their outputs (features.N.relu1 = depthwise, relu2 = pointwise)
// and the fused int8 ones after the Conv nodes (features.N.depthwise / pointwise); features.0 is the stem.
static string Part(string node) =>
    node.Contains("depthwise", StringComparison.Ordinal) || node.Contains(".relu1", StringComparison.Ordinal) ? "depthwise"
    : node.Contains("pointwise", StringComparison.Ordinal) || node.Contains(".relu2", StringComparison.Ordinal) ? "pointwise"
    : node.Contains("features.0.", StringComparison.Ordinal) && !node.Contains("channel_pad", StringComparison.Ordinal) ? "stem"
    : node.Contains("classifier", StringComparison.Ordinal) ? "classifier"
    : "rest";

// Kernel time of the stem and of each depthwise conv, fp32 against int8, one row per layer (features.N).
static void PrintLayers(double alpha, OperatorProfile fp32, OperatorProfile int8)
{
    var channels = MobileNetV1.Channels(alpha);
    var strides = MobileNetV1.Strides(Size);
    Console.WriteLine($"alpha {alpha:F2}: stem and depthwise convs, kernel microseconds per run (int8 = all layers quantized)");
    Console.WriteLine("| layer | channels | output map | fp32 us | int8 us | int8/fp32 |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    int side = Size;
    for (int layer = 0; layer < channels.Count; layer++)
    {
        side = (side + strides[layer] - 1) / strides[layer];
        string part = layer == 0 ? "stem" : "depthwise";
        double Time(OperatorProfile p) => p.Nodes
            .Where(n => Part(n.Node) == part && n.Node.Contains($"features.{layer}.", StringComparison.Ordinal))
            .Sum(n => n.MeanMicroseconds);
        double f = Time(fp32), q = Time(int8);
        int c = layer == 0 ? channels[0] : channels[layer - 1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {layer} ({part}{(strides[layer] == 2 ? ", stride 2" : "")}) | {c} | {side}x{side} | {f:F1} | {q:F1} | {q / f:F2} |"));
    }
}

static IEnumerable<CalibrationBatch> RandomBatches(int count, int size)
{
    var random = new Random(7);
    for (int start = 0; start < count; start += 8)
    {
        var data = new float[8 * 3 * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        yield return new CalibrationBatch(data, [8, 3, size, size]);
    }
}
