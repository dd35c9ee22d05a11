// fp32 vs int8 latency and file size of every model of the torchvision zoo (benchmarks/zoo/export_zoo.py),
// quantized with default settings (activation type chosen for this host), batch 1, 2 intra-op threads,
// ORT_ENABLE_ALL. fp32 and int8 are measured in alternating rounds so drift on a shared machine hits
// both; the median of the rounds' p50 is kept. Prints the fusion summary of each model.
// Usage: /usr/bin/python3 benchmarks/zoo/export_zoo.py /tmp/zoo --opsets 13
//        dotnet run -c Release --project benchmarks/QuantizationZoo -- /tmp/zoo [rounds] [runs] [--only NAME] [--float-layers none]
//        ... -- /tmp/zoo 1 50 --profile   # where the time goes: ONNX Runtime's per-node kernel times, fp32 vs int8
//        ... -- --pair A.onnx B.onnx [rounds] [runs] [--profile]   # two given files (e.g. a hand-edited int8 graph)
//        ... -- /tmp/zoo 1 20 --ort-input-grid   # the graph input on ONNX Runtime's grid (QuantizationOptions.ExactInputEnds off)
using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;

var positional = new List<string>();
bool profile = false;
(string A, string B)? pair = null;
string? only = null;
var floatLayers = QuantizationOptions.Default.FloatLayers;
bool exactInputEnds = QuantizationOptions.Default.ExactInputEnds;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--profile": profile = true; break;
        case "--pair" when i + 2 < args.Length: pair = (args[++i], args[++i]); break;
        case "--only" when i + 1 < args.Length: only = args[++i]; break;
        case "--ort-input-grid": exactInputEnds = false; break;
        case "--float-layers" when i + 1 < args.Length: floatLayers = FloatLayerNames.Parse(args[++i].Split(','), "--float-layers"); break;
        default: positional.Add(args[i]); break;
    }
}
if (pair is { } files)
{
    int pairRounds = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 5;
    int pairRuns = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 50;
    var pairBench = new LatencyBenchmarkOptions { Runs = pairRuns, Warmup = 10, Threads = 2 };
    if (profile) PrintProfiles($"{files.A} vs {files.B}", LatencyBenchmark.Profile(files.A, pairBench), LatencyBenchmark.Profile(files.B, pairBench));
    else Console.WriteLine($"B against A: {LatencyComparison.Measure(files.A, files.B, null, 2, pairRounds, pairRuns)}");
    return 0;
}
if (positional.Count < 1)
{
    Console.Error.WriteLine("usage: QuantizationZoo ZOO_FOLDER [rounds] [runs] [--only NAME] [--float-layers none|first-conv|classifier] [--ort-input-grid] [--profile]");
    return 2;
}
string zoo = positional[0];
int rounds = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 5;
int runs = positional.Count > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 50;
var bench = new LatencyBenchmarkOptions { Runs = runs, Warmup = 10, Threads = 2, BatchSize = 1, OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
string output = Path.Combine(Path.GetTempPath(), "edgekit-quantization-zoo");
Directory.CreateDirectory(output);

var choice = ActivationTypeChoice.For(QuantizationTarget.Host);
Console.WriteLine($"{choice}");
Console.WriteLine($"batch 1, 2 threads, ORT_ENABLE_ALL; {rounds} rounds x {runs} runs, median of round p50s; float layers {FloatLayerNames.Format(floatLayers)}, percentile{(exactInputEnds ? "" : ", ONNX Runtime's input grid")}");
if (!profile)
{
    Console.WriteLine("| model | fp32 p50 ms | int8 p50 ms | int8/fp32 (range) | fp32 MB | int8 MB | size ratio | fusion |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
}
foreach (string folder in Directory.GetDirectories(zoo).Order(StringComparer.Ordinal))
{
    string fp32Path = Path.Combine(folder, "model.onnx");
    if (!File.Exists(fp32Path)) continue;
    string name = Path.GetFileName(folder);
    if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
    string int8Path = Path.Combine(output, name + (exactInputEnds ? "" : "-ort-input-grid") + "-int8.onnx");
    var floatModel = QdqQuantizer.ReadModel(fp32Path);
    var dims = floatModel.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => (int)d.DimValue).ToArray();
    var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16, FloatLayers = floatLayers, SqnrSamples = 0, ExactInputEnds = exactInputEnds }).QuantizeFile(fp32Path, int8Path, RandomBatches(16, dims[1], dims[2]));
    if (profile)
    {
        var (fp32Profile, int8Profile) = (LatencyBenchmark.Profile(fp32Path, bench), LatencyBenchmark.Profile(int8Path, bench));
        PrintProfiles(name, fp32Profile, int8Profile);
        foreach (var (label, p) in new[] { ("fp32", fp32Profile), ("int8", int8Profile) })
            File.WriteAllLines(Path.Combine(output, $"{name}-{label}-profile.tsv"), p.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Node}\t{n.OpType}\t{n.MeanMicroseconds:F1}")));
        continue;
    }
    var latency = LatencyComparison.Measure(fp32Path, int8Path, null, bench.Threads, rounds, runs);
    double fMb = new FileInfo(fp32Path).Length / 1e6, qMb = new FileInfo(int8Path).Length / 1e6;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {latency.Fp32P50Ms:F2} | {latency.Int8P50Ms:F2} | {latency.Ratio:F2} ({latency.RoundRatios.Min():F2}-{latency.RoundRatios.Max():F2}) | {fMb:F2} | {qMb:F2} | {qMb / fMb:F3} | {result.Fusion?.Summary} |"));
}
return 0;

static void PrintProfiles(string name, OperatorProfile fp32, OperatorProfile int8)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"## {name}: run fp32 {fp32.RunMicroseconds / 1000:F2} ms (kernels {fp32.KernelMicroseconds / 1000:F2}), int8 {int8.RunMicroseconds / 1000:F2} ms (kernels {int8.KernelMicroseconds / 1000:F2}), ratio {int8.RunMicroseconds / fp32.RunMicroseconds:F2}"));
    foreach (var (label, p) in new[] { ("fp32", fp32), ("int8", int8) })
    {
        Console.WriteLine($"{label} by op: " + string.Join(", ", p.ByOpType.Select(o => string.Create(CultureInfo.InvariantCulture,
            $"{o.OpType} {o.MeanMicroseconds:F0} us ({100 * o.MeanMicroseconds / p.KernelMicroseconds:F0} %, {o.Nodes})"))));
    }
    Console.WriteLine("int8 top nodes: " + string.Join(", ", int8.Nodes.OrderByDescending(n => n.MeanMicroseconds).Take(12).Select(n => string.Create(CultureInfo.InvariantCulture,
        $"{n.Node} [{n.OpType}] {n.MeanMicroseconds:F0}"))));
    Console.WriteLine("fp32 top nodes: " + string.Join(", ", fp32.Nodes.OrderByDescending(n => n.MeanMicroseconds).Take(12).Select(n => string.Create(CultureInfo.InvariantCulture,
        $"{n.Node} [{n.OpType}] {n.MeanMicroseconds:F0}"))));
}

static IEnumerable<CalibrationBatch> RandomBatches(int count, int channels, int size)
{
    var random = new Random(7);
    for (int i = 0; i < count; i++)
    {
        var data = new float[channels * size * size];
        for (int k = 0; k < data.Length; k++) data[k] = (float)(random.NextDouble() * 4 - 2);
        yield return new CalibrationBatch(data, [1, channels, size, size]);
    }
}
