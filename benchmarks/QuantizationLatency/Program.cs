// Batch-1 latency of MobileNet v1 (random weights, 224x224, 1000 classes) in fp32 and QDQ int8,
// with ONNX Runtime at ORT_ENABLE_ALL and 2 intra-op threads. fp32 and int8 are measured in
// alternating rounds so drift on a shared machine hits all; the median of the rounds' p50 is kept.
// Usage: dotnet run -c Release --project benchmarks/QuantizationLatency [-- rounds runs]
using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Training.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

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
    // Each round measures fp32 and then every variant, so drift on a shared machine hits all of them.
    var fp32 = new List<double>();
    var int8 = paths.Select(_ => new List<double>()).ToList();
    for (int r = 0; r < rounds; r++)
    {
        fp32.Add(LatencyBenchmark.Run(fp32Path, bench).P50Ms);
        for (int v = 0; v < paths.Count; v++) int8[v].Add(LatencyBenchmark.Run(paths[v], bench).P50Ms);
    }
    double f = Median(fp32), fMb = new FileInfo(fp32Path).Length / 1e6;
    for (int v = 0; v < paths.Count; v++)
    {
        double q = Median(int8[v]), qMb = new FileInfo(paths[v]).Length / 1e6;
        var ratios = fp32.Zip(int8[v], (a, b) => b / a).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {alpha:F2} | {variants[v].Name} | {f:F2} | {q:F2} | {q / f:F2} ({ratios[0]:F2}-{ratios[^1]:F2}) | {fMb:F2} | {qMb:F2} | {qMb / fMb:F3} |"));
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
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
