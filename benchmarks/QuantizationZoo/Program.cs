// fp32 vs int8 latency and file size of every model of the torchvision zoo (benchmarks/zoo/export_zoo.py),
// quantized with default settings (activation type chosen for this host), batch 1, 2 intra-op threads,
// ORT_ENABLE_ALL. fp32 and int8 are measured in alternating rounds so drift on a shared machine hits
// both; the median of the rounds' p50 is kept. Prints the fusion summary of each model.
// Usage: /usr/bin/python3 benchmarks/zoo/export_zoo.py /tmp/zoo --opsets 13
//        dotnet run -c Release --project benchmarks/QuantizationZoo -- /tmp/zoo [rounds] [runs]
using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: QuantizationZoo ZOO_FOLDER [rounds] [runs]");
    return 2;
}
string zoo = args[0];
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
int runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
var bench = new LatencyBenchmarkOptions { Runs = runs, Warmup = 10, Threads = 2, BatchSize = 1, OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
string output = Path.Combine(Path.GetTempPath(), "edgekit-quantization-zoo");
Directory.CreateDirectory(output);

var choice = ActivationTypeChoice.For(QuantizationTarget.Host);
Console.WriteLine($"{choice}");
Console.WriteLine($"batch 1, 2 threads, ORT_ENABLE_ALL; {rounds} rounds x {runs} runs, median of round p50s; default settings (float stem, percentile)");
Console.WriteLine("| model | fp32 p50 ms | int8 p50 ms | int8/fp32 (range) | fp32 MB | int8 MB | size ratio | fusion |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (string folder in Directory.GetDirectories(zoo).Order(StringComparer.Ordinal))
{
    string fp32Path = Path.Combine(folder, "model.onnx");
    if (!File.Exists(fp32Path)) continue;
    string name = Path.GetFileName(folder);
    string int8Path = Path.Combine(output, name + "-int8.onnx");
    var floatModel = QdqQuantizer.ReadModel(fp32Path);
    var dims = floatModel.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => (int)d.DimValue).ToArray();
    var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16 }).QuantizeFile(fp32Path, int8Path, RandomBatches(16, dims[1], dims[2]));
    var fp32 = new List<double>();
    var int8 = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        fp32.Add(LatencyBenchmark.Run(fp32Path, bench).P50Ms);
        int8.Add(LatencyBenchmark.Run(int8Path, bench).P50Ms);
    }
    double f = Median(fp32), q = Median(int8);
    double fMb = new FileInfo(fp32Path).Length / 1e6, qMb = new FileInfo(int8Path).Length / 1e6;
    var ratios = fp32.Zip(int8, (a, b) => b / a).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {f:F2} | {q:F2} | {q / f:F2} ({ratios[0]:F2}-{ratios[^1]:F2}) | {fMb:F2} | {qMb:F2} | {qMb / fMb:F3} | {result.Fusion?.Summary} |"));
}
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
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
