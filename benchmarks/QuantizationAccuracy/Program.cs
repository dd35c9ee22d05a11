// Top-1 of QDQ int8 variants of trained fp32 bundles with ONNX Runtime: each variant is quantized from
// the same fp32 bundle (QuantizePass, calibrated on the calibration dataset's training split) and
// evaluated twice: at ORT_ENABLE_ALL (fused integer kernels, what a deployment runs) and at
// ORT_DISABLE_ALL (Q/DQ executed as float maths: the quantization error alone, no kernel effects).
// Usage: dotnet run -c Release --project benchmarks/QuantizationAccuracy -- --out DIR
//            [--calibration-data embedded] [--test-data embedded] [--test-path PATH] [--variants a,b]
//            [--ranges] BUNDLE...
using System.Globalization;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using Microsoft.ML.OnnxRuntime;

string output = Path.Combine(Path.GetTempPath(), "edgekit-quantization-accuracy");
string calibrationData = "embedded", testData = "embedded";
string? testPath = null;
string[]? only = null;
bool printRanges = false;
var bundles = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": output = args[++i]; break;
        case "--calibration-data": calibrationData = args[++i]; break;
        case "--test-data": testData = args[++i]; break;
        case "--test-path": testPath = args[++i]; break;
        case "--variants": only = args[++i].Split(','); break;
        case "--ranges": printRanges = true; break;
        default: bundles.Add(args[i]); break;
    }
}
if (bundles.Count == 0)
{
    Console.Error.WriteLine("usage: QuantizationAccuracy [--out DIR] [--calibration-data NAME] [--test-data NAME] [--test-path PATH] [--variants a,b] [--ranges] BUNDLE...");
    return 2;
}

var d = QuantizationOptions.Default;
var variants = new (string Name, QuantizationOptions Options)[]
{
    ("default", d),
    ("minmax-int8", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None }),
    ("reduce-range", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, ReduceWeightRange = true }),
    ("uint8", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, ActivationType = QuantizedActivationType.UInt8 }),
    ("symmetric", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, SymmetricActivations = true }),
    ("float-first-conv", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.FirstConv }),
    ("float-classifier", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.Classifier }),
    ("float-first-last", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.FirstConv | FloatLayers.Classifier }),
    ("percentile-99.99", d with { Method = CalibrationMethod.Percentile, Percentile = 99.99, FloatLayers = FloatLayers.None }),
    ("percentile-99.999", d with { Method = CalibrationMethod.Percentile, Percentile = 99.999, FloatLayers = FloatLayers.None }),
    ("entropy", d with { Method = CalibrationMethod.Entropy, FloatLayers = FloatLayers.None }),
    ("calibration-2048", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, CalibrationCount = 2048 }),
    ("calibration-6000", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, CalibrationCount = 6000 }),
    ("equalize", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.None, EqualizeLayers = true }),
    ("equalize-first", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.FirstConv, EqualizeLayers = true }),
    ("equalize-p99.999", d with { Method = CalibrationMethod.Percentile, FloatLayers = FloatLayers.None, EqualizeLayers = true }),
    ("reduce-range-first", d with { Method = CalibrationMethod.MinMax, FloatLayers = FloatLayers.FirstConv, ReduceWeightRange = true }),
    ("equalize-first-p99.99", d with { Method = CalibrationMethod.Percentile, Percentile = 99.99, FloatLayers = FloatLayers.FirstConv, EqualizeLayers = true }),
    ("equalize-entropy", d with { Method = CalibrationMethod.Entropy, FloatLayers = FloatLayers.None, EqualizeLayers = true }),
    ("p99.99-first-last", d with { Method = CalibrationMethod.Percentile, Percentile = 99.99, FloatLayers = FloatLayers.FirstConv | FloatLayers.Classifier }),
    ("p99.999-first-last", d with { Method = CalibrationMethod.Percentile, Percentile = 99.999, FloatLayers = FloatLayers.FirstConv | FloatLayers.Classifier }),
    ("p99.999-first", d with { Method = CalibrationMethod.Percentile, Percentile = 99.999, FloatLayers = FloatLayers.FirstConv }),
    ("p99.999-first-2048", d with { Method = CalibrationMethod.Percentile, Percentile = 99.999, FloatLayers = FloatLayers.FirstConv, CalibrationCount = 2048 }),
};
if (only is not null)
{
    var unknown = only.Except(variants.Select(v => v.Name)).ToList();
    if (unknown.Count > 0)
    {
        Console.Error.WriteLine($"--variants: unknown {string.Join(", ", unknown)}; known: {string.Join(", ", variants.Select(v => v.Name))}");
        return 2;
    }
    variants = variants.Where(v => only.Contains(v.Name)).ToArray();
}

Console.WriteLine($"calibration: training split of '{calibrationData}'; test: '{testData}'{(testPath is null ? "" : $" at {testPath}")}; " +
    "top-1 fused = ORT_ENABLE_ALL, unfused = ORT_DISABLE_ALL; agree = share of test images with the fp32 prediction");
Console.WriteLine("| model | variant | top-1 fused | vs fp32 | top-1 unfused | vs fp32 | agree (fused) |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
foreach (string bundle in bundles)
{
    var manifest = ModelBundleFolder.Read(bundle).Manifest;
    var resolverOptions = new DatasetResolverOptions { ImageSize = manifest.Height, ImageChannels = manifest.Channels };
    var calibration = DatasetResolver.Resolve(calibrationData, null, resolverOptions).Train;
    var test = DatasetResolver.Resolve(testData, testPath, resolverOptions).Test;
    string model = string.Create(CultureInfo.InvariantCulture, $"{manifest.Architecture} {manifest.Alpha}");
    int[] reference = Predict(bundle, test, GraphOptimizationLevel.ORT_ENABLE_ALL);
    double fp32 = Top1(reference, test);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {model} | fp32 | {fp32:P2} | | | | |"));
    foreach (var (name, options) in variants)
    {
        string folder = Path.Combine(output, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(bundle))}-{name}");
        var pass = new QuantizePass(new QuantizePassOptions(options));
        pass.Quantize(bundle, folder, calibration);
        int[] fused = Predict(folder, test, GraphOptimizationLevel.ORT_ENABLE_ALL);
        int[] unfused = Predict(folder, test, GraphOptimizationLevel.ORT_DISABLE_ALL);
        double f = Top1(fused, test), u = Top1(unfused, test);
        double agree = fused.Zip(reference).Count(p => p.First == p.Second) / (double)reference.Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {name} | {f:P2} | {(f - fp32) * 100:+0.00;-0.00} | {u:P2} | {(u - fp32) * 100:+0.00;-0.00} | {agree:P1} |"));
        if (printRanges) PrintRanges(bundle, calibration, options);
    }
}
return 0;

static int[] Predict(string bundle, ImageDataset test, GraphOptimizationLevel level)
{
    using var evaluator = new OnnxEvaluator(ModelBundleFolder.Read(bundle), new OnnxEvaluatorOptions { OptimizationLevel = level });
    return evaluator.Predict(test);
}

static double Top1(int[] predictions, ImageDataset test) =>
    predictions.Where((p, i) => p == test.Labels[i]).Count() / (double)predictions.Length;

// Calibrated range of each activation next to its min/max range (shows how far a method clips).
static void PrintRanges(string bundle, ImageDataset calibration, QuantizationOptions options)
{
    var loaded = ModelBundleFolder.Read(bundle);
    var m = loaded.Manifest;
    int count = Math.Min(options.CalibrationCount, calibration.Count);
    var sample = calibration.Subset(Enumerable.Range(0, count).Select(i => (int)((long)i * calibration.Count / count)).ToArray());
    var batches = new List<CalibrationBatch>();
    using (var loader = new BatchLoader(sample, new BatchLoaderOptions { BatchSize = 64, Mean = m.Mean.ToArray(), Std = m.Std.ToArray(), TargetSize = m.Height, TargetChannels = m.Channels }))
    {
        foreach (var (x, y) in loader.Batches(0))
        {
            using (x)
            using (y)
                batches.Add(new CalibrationBatch(x.contiguous().data<float>().ToArray(), x.shape));
        }
    }
    var model = QdqQuantizer.ReadModel(loaded.ModelPath);
    var full = new QdqQuantizer(options with { Method = CalibrationMethod.MinMax }).Quantize(model, batches).Ranges;
    var chosen = new QdqQuantizer(options).Quantize(model, batches).Ranges;
    foreach (var (tensor, range) in chosen)
    {
        var r = full[tensor];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {tensor}: [{range.Min:G4}, {range.Max:G4}] of min/max [{r.Min:G4}, {r.Max:G4}] ({(range.Max - range.Min) / Math.Max(1e-12, r.Max - r.Min):P0})"));
    }
}
