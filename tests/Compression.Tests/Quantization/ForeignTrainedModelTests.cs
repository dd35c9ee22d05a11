using System.Text.Json.Nodes;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using Xunit.Abstractions;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// Issue 17's accuracy target on a trained foreign model: torchvision's MobileNetV2 0.5 trained in PyTorch at test time
/// (benchmarks/zoo/export_zoo.py --fashion-mnist on the embedded 6,000-image subset), exported by torch.onnx.export with a
/// hand-written manifest, quantized with the toolkit's default settings, and both bundles evaluated on the subset's 1,000
/// held-out test images through the device's preprocessing (the manifest contract, <see cref="OnnxEvaluator"/>).
/// </summary>
public sealed class ForeignTrainedModelTests(ITestOutputHelper output, ForeignTrainedModelTests.Seed2Model seed2) : IDisposable, IClassFixture<ForeignTrainedModelTests.Seed2Model>
{
    // Training settings: MobileNetV2 0.5 with torchvision's stride-2 stem (2.3x cheaper to train than the stride-1 stem
    // the full-data benchmark uses; same operator patterns), 2 epochs of 6,000 images, one torch thread: about 50 s of
    // CPU (1.5-3 min wall at load 8-27 on the 2-core Xeon). With one thread the training is deterministic on one machine
    // (seed 2 gave 75.70 % in two separate runs); another CPU's torch kernels may train a slightly different model.
    //
    // Measured on the Intel Xeon (AVX-512 VNNI, target x64-vnni: uint8 activations, stem quantized), 2026-12-01, seeds 1-5,
    // fp32 -> int8 top-1 on the 1,000 test images (top-1 agreement), with ONNX Runtime's input grid (the default before the
    // exact input ends): 75.8 -> 75.5 (97.7 %), 75.7 -> 70.0 (88.1 %), 69.5 -> 69.4 (97.7 %), 72.7 -> 72.0 (97.8 %),
    // 64.8 -> 64.9 (94.4 %); with the default now (ExactInputEnds): 75.6 (98.6 %), 75.0 (97.1 %), 69.4 (97.6 %),
    // 72.6 (98.0 %), 64.5 (94.8 %). PyTorch and the device path agreed exactly on fp32 every time. Seed 2's 5.7 points
    // were a real failure, not noise: its black background fell half a step off the input grid (the seed-2 tests below;
    // docs/quantization.md, "Why seed 2 lost 5.7 points"). Seed 1 is used here; running this test with seed 2 and
    // --ort-input-grid fails both bounds below, which is how it was shown that it can fail.
    // Bounds: the issue's 1 point, and 95 % agreement (the lowest agreement among the seeds that met 1 point was 94.4 %
    // on the least-trained model, 64.8 %; seed 1 measured 97.7 %, seed 2 88.1 %).
    private const int Seed = 1, Epochs = 2, StemStride = 2;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgekit-foreign-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Torchvision_model_trained_in_pytorch_keeps_its_top1_in_int8_through_the_device_path()
    {
        var (fp32Bundle, torchTop1) = TorchvisionZoo.TrainFashionMnist(Path.Combine(_root, "fp32"), Seed, Epochs, StemStride);
        var (fp32Top1, int8Top1, agreement, manifest) = QuantizeWithDefaults(fp32Bundle, "int8", $"seed {Seed}");
        output.WriteLine($"PyTorch fp32 {torchTop1:P2}");

        // Learned: far above chance (10 %). Not a figure of one CPU's model: PyTorch's kernels differ between CPUs, and seed 1
        // trained to 75.8 % on the Intel Xeon (AVX-512) and to 69.4 % on the AVX2-only AMD EPYC (Zen 1) of session 15.
        Assert.True(fp32Top1 > 0.50, $"the model did not learn: fp32 top-1 {fp32Top1:P2}");
        // The manifest feeds the model what training fed it (28x28 centred on black in 32x32, (x/255-0.5)/0.5): ONNX Runtime
        // through the device path agrees with PyTorch's own evaluation to within float rounding (a wrong resizePolicy,
        // e.g. center-crop scaling 28 to 32, costs several points).
        Assert.True(Math.Abs(fp32Top1 - torchTop1) <= 0.003, $"device-path fp32 top-1 {fp32Top1:P2} differs from PyTorch's {torchTop1:P2}");
        // Issue 17's target: int8 within 1 point of fp32 (measured: see the comment on the training settings).
        Assert.True(int8Top1 >= fp32Top1 - 0.01, $"int8 top-1 {int8Top1:P2} is more than 1 point below fp32 {fp32Top1:P2}");
        Assert.True(agreement >= 0.95, $"int8 and fp32 agree on only {agreement:P2} of the top-1 predictions");

        Assert.Equal(Precision.Int8, manifest.Precision);
        Assert.Equal(ResizePolicy.Pad, manifest.ResizePolicy);
        Assert.Contains("0 float islands", manifest.Provenance["quantizationFusion"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Seed 2 with the default settings, stem quantized. Its black background and padding (pixel 0, normalised to -1) fell
    /// half a step off ONNX Runtime's input grid (scale 2/255, zero point 127.5 rounded to 128); with the stem's weight
    /// rounding that moved whole background channels of the stem's output to the next output level, which the layers after
    /// it amplified: 75.7 -> 70.0 %, 88.1 % agreement (2026-12-01). Quantizing only the input, or only the stem's weights,
    /// lost 0.1-0.4 points; with the input's grid holding -1, 0 and 1 exactly (<see cref="QuantizationOptions.ExactInputEnds"/>,
    /// default) 75.0 %, 97.1 % agreement. Fails without ExactInputEnds (the max-drop test below asserts that loss).
    /// </summary>
    [Fact]
    public void Default_settings_hold_seed_2_whose_black_background_fell_between_input_grid_points()
    {
        var (fp32Top1, int8Top1, agreement, manifest) = QuantizeWithDefaults(seed2.Bundle, "int8-seed2-default", "seed 2");

        // The stem is quantized by default on every target (float layers auto -> none), so the accuracy must come from the
        // input grid, not from keeping the stem float.
        string quantizer = manifest.Provenance["quantizer"];
        Assert.Contains("auto -> none", quantizer, StringComparison.Ordinal);
        Assert.Contains("0 float nodes", quantizer, StringComparison.Ordinal);
        Assert.Contains("both ends exact", manifest.Provenance["inputQuantization"], StringComparison.Ordinal);
        // The same bounds as seed 1's test above.
        Assert.True(int8Top1 >= fp32Top1 - 0.01, $"int8 top-1 {int8Top1:P2} is more than 1 point below fp32 {fp32Top1:P2}");
        Assert.True(agreement >= 0.95, $"int8 and fp32 agree on only {agreement:P2} of the top-1 predictions");
    }

    /// <summary>
    /// The measurement that found the cause (docs/quantization.md, "Why seed 2 lost 5.7 points"): seed 2 quantized with
    /// ONNX Runtime's input grid, then with one part of the stem put back to float at a time, each run unfused
    /// (ORT_DISABLE_ALL: Q/DQ as float maths, so only the quantization error is seen) on the 1,000 test images. Measured
    /// 2026-12-01 (top-1, logits SQNR against fp32 75.7 %): all quantized 70.0 %, 11.2 dB; input float 75.3 %, 28.2 dB;
    /// weights float 75.6 %, 28.0 dB; output activation float 73.1 %, 16.0 dB; input grid holding -1 and 1 (scale 1/127,
    /// zero point 127) 75.2 %, 28.2 dB. Neither the input's half step nor the weights' rounding costs points alone; together
    /// they shift the black background's stem output by an output step (channel 4: 0.262 float, 0.240 int8, 0.260 with
    /// either alone), the same on every background pixel.
    /// </summary>
    [Fact]
    public void Seed_2_loses_its_points_only_when_both_the_stem_input_and_its_weights_are_rounded()
    {
        string fp32Bundle = seed2.Bundle;
        var (train, test) = EmbeddedFashionMnist.Load();
        string ortGrid = Path.Combine(_root, "int8-seed2-ort-grid");
        // Unpadded (the stem reads the graph input itself, so that "input float" is the graph input) and stem quantized on every host.
        new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default with { ExactInputEnds = false, FloatLayers = FloatLayers.None, PadInputChannels = false }) { LatencyCheckMode = LatencyCheckMode.Off })
            .Quantize(fp32Bundle, ortGrid, train);
        var loaded = ModelBundleFolder.Read(fp32Bundle);
        var inputs = BundleInputBatches.Read(test, loaded.Manifest, 1).ToList();
        var prepared = QdqQuantizer.Prepare(QdqQuantizer.ReadModel(loaded.ModelPath), out _);
        var int8 = QdqQuantizer.ReadModel(ModelBundleFolder.Read(ortGrid).ModelPath);
        var reference = StemParts.Run(prepared, inputs);
        var labels = inputs.Select(b => b.Labels[0]).ToArray();
        (double Top1, double Db) Measure(string name, Onnx.ModelProto model)
        {
            var (top1, db) = StemParts.Score(StemParts.Run(model, inputs), reference, labels);
            output.WriteLine($"{name}: top-1 {top1:P1}, logits SQNR {db:F2} dB (fp32 {StemParts.Score(reference, reference, labels).Top1:P1})");
            return (top1, db);
        }
        double fp32 = StemParts.Score(reference, reference, labels).Top1;
        var all = Measure("stem quantized, ONNX Runtime's input grid", int8);
        var inputFloat = Measure("stem input float", StemParts.InputFloat(int8));
        var weightsFloat = Measure("stem weights float", StemParts.WeightsFloat(int8, prepared));
        Measure("stem output activation float", StemParts.OutputFloat(int8, prepared));

        // Each stem part alone costs nothing on every CPU's seed-2 model.
        Assert.True(inputFloat.Top1 >= all.Top1 - 0.01 && weightsFloat.Top1 >= all.Top1 - 0.01, $"a part put back to float lost points: all {all.Top1:P1}, input float {inputFloat.Top1:P1}, weights float {weightsFloat.Top1:P1}");
        if (!SeedTwoIsTheFragileModel(all.Top1, fp32)) return;
        Assert.True(all.Top1 < fp32 - 0.01, $"seed 2 with ONNX Runtime's input grid should lose more than 1 point: {all.Top1:P1} against {fp32:P1}");
        Assert.True(inputFloat.Top1 >= fp32 - 0.01, $"the stem's input alone float: {inputFloat.Top1:P1} against {fp32:P1}");
        Assert.True(weightsFloat.Top1 >= fp32 - 0.01, $"the stem's weights alone float: {weightsFloat.Top1:P1} against {fp32:P1}");
        Assert.True(inputFloat.Db > all.Db + 10 && weightsFloat.Db > all.Db + 10, $"logits SQNR: all {all.Db:F1} dB, input float {inputFloat.Db:F1}, weights float {weightsFloat.Db:F1}");
    }

    /// <summary>
    /// Issue 17's --max-drop on a model where quantizing fails: seed 2 with ONNX Runtime's input grid (--ort-input-grid,
    /// the default before 2026-12-01; the test above has the cause), where the quantized stem costs 5.7 points though its
    /// own isolated SQNR, 42 dB, is the best of all layers; the first depthwise after it amplifies the error. The fallback
    /// must find the stem among the first few layers it keeps float. Ranked by isolated SQNR it kept 61 layers float,
    /// the stem last, and this test failed on the float set (2026-12-01, 77.30 % held-out with 61 layers, file 98.7 % of
    /// fp32); ranked by the model output with one layer quantized it keeps only the stem (77.70 %, file 32.4 %).
    /// </summary>
    [Fact]
    public void Max_drop_keeps_the_stem_float_first_on_the_seed_whose_amplified_stem_error_costs_points()
    {
        string fp32Bundle = seed2.Bundle;
        var (train, test) = EmbeddedFashionMnist.Load();
        string int8Bundle = Path.Combine(_root, "int8-seed2");
        var lines = new List<string>();
        // As `edgekit quantize --bundle fp32 --data embedded --max-drop 1 --ort-input-grid`: 1,000 held-out training images.
        new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default with { MaxAccuracyDrop = 1, ExactInputEnds = false }))
            .Quantize(fp32Bundle, int8Bundle, train, new ProgressLines(lines));
        foreach (string line in lines) output.WriteLine(line);

        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(int8Bundle, QuantizationReportWriter.FileName)))!;
        var fallback = report["accuracyFallback"]!;
        double fp32 = (double)fallback["fp32Top1"]!, first = (double)fallback["firstInt8Top1"]!, int8 = (double)fallback["int8Top1"]!;
        var kept = fallback["floatLayers"]!.AsArray().Select(l => (string)l!["name"]!).ToList();
        string stem = report["layers"]!.AsArray().First(l => (string)l!["op"]! == "Conv")!["name"]!.GetValue<string>();
        // The 1,000 test images (not used by the fallback), and the file sizes, printed before any assertion (docs/quantization.md).
        double fp32Test = Top1(Predict(fp32Bundle, test), test.Labels), int8Test = Top1(Predict(int8Bundle, test), test.Labels);
        double sizeRatio = OnnxBytes(int8Bundle) / (double)OnnxBytes(fp32Bundle);
        output.WriteLine($"held-out fp32 {fp32:P2}, int8 {first:P2} -> {int8:P2} with {kept.Count} layers float: {string.Join(", ", kept)}");
        output.WriteLine($"test images: fp32 {fp32Test:P2}, int8 {int8Test:P2}; int8/fp32 file size {sizeRatio:P1}");

        Assert.True(int8 >= first - 1e-9, $"the fallback made int8 worse: {first:P2} -> {int8:P2}");
        if (!SeedTwoIsTheFragileModel(first, fp32)) return;
        Assert.True(first < fp32 - 0.01, $"seed 2 should lose more than 1 point before the fallback: fp32 {fp32:P2}, int8 {first:P2} (a different model trained?)");
        Assert.True(int8 >= fp32 - 0.01, $"int8 top-1 {int8:P2} is more than 1 point below fp32 {fp32:P2} after the fallback");
        Assert.Contains(stem, kept);
        Assert.True(kept.Count <= 3, $"the fallback kept {kept.Count} layers float: {string.Join(", ", kept)}");
        Assert.True(int8Test >= fp32Test - 0.01, $"int8 top-1 {int8Test:P2} on the test images is more than 1 point below fp32 {fp32Test:P2}");
    }

    /// <summary>
    /// <c>edgekit quantize --method auto</c> on a trained torchvision model: both candidate methods calibrated, the one with
    /// the higher SQNR at the last layer kept and named in the manifest's provenance, the report and the output (each
    /// calibration reported once, naming its method), and the int8 model held within the issue's point of fp32 on the
    /// test images.
    /// </summary>
    [Fact]
    public void Method_auto_keeps_the_method_closer_to_float_and_names_it_in_the_manifest_and_the_report()
    {
        var (train, test) = EmbeddedFashionMnist.Load();
        string int8Bundle = Path.Combine(_root, "int8-seed2-auto");
        var lines = new List<string>();
        new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default with { Method = CalibrationMethod.Auto }))
            .Quantize(seed2.Bundle, int8Bundle, train, new ProgressLines(lines));
        foreach (string line in lines) output.WriteLine(line);

        var calibration = JsonNode.Parse(File.ReadAllText(Path.Combine(int8Bundle, QuantizationReportWriter.FileName)))!["calibration"]!;
        string chosen = (string)calibration["chosen"]!;
        double percentile = (double)calibration["sqnrDb"]!["percentile"]!, minMax = (double)calibration["sqnrDb"]!["minmax"]!;
        Assert.Equal(minMax > percentile ? "minmax" : "percentile", chosen);
        Assert.StartsWith($"QdqQuantizer auto -> {chosen} (SQNR at ", ModelBundleFolder.Read(int8Bundle).Manifest.Provenance["quantizer"], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith($"quantize: calibration auto -> {chosen} ", StringComparison.Ordinal));
        // Each candidate's calibration is reported once, naming its method (it printed the same line twice before).
        Assert.Equal(["percentile", "minmax"], lines.Where(l => l.StartsWith("quantize: calibrated on ", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf('(') + 1)..^1]));
        double fp32Top1 = Top1(Predict(seed2.Bundle, test), test.Labels), int8Top1 = Top1(Predict(int8Bundle, test), test.Labels);
        output.WriteLine($"method auto -> {chosen}: fp32 {fp32Top1:P2}, int8 {int8Top1:P2} on {test.Count} test images");
        Assert.True(int8Top1 >= fp32Top1 - 0.01, $"int8 top-1 {int8Top1:P2} is more than 1 point below fp32 {fp32Top1:P2}");
    }

    /// <summary>
    /// Whether this CPU's PyTorch trained the seed-2 model these tests diagnose: the one that ONNX Runtime's input grid costs
    /// more than a point. PyTorch's kernels differ between CPUs (AVX-512 or AVX2 code paths), and so does the model one seed
    /// trains: on the Intel Xeon (AVX-512 VNNI) seed 2 gave 75.7 % and lost 5.7 points, and the AMD EPYC Zen 5 (AVX-512
    /// VNNI) of session 17 trained the same model (75.7 %, 70.0 % with the input grid, every figure of the tests above
    /// alike: the full assertions ran and passed there); on the AVX2-only AMD EPYC (Zen 1) of sessions 15-16 it gave
    /// 72.2 % and lost 0.5 (seeds 3 and 4 there: 0.3 and 2.4 points, neither through the stem's input and weights
    /// together), and there is no loss to diagnose. The test then ends after the assertions that hold for any model, and
    /// says so in its output; the model is not checked in (2.8 MB).
    /// </summary>
    private bool SeedTwoIsTheFragileModel(double int8Top1, double fp32Top1)
    {
        if (int8Top1 < fp32Top1 - 0.01) return true;
        output.WriteLine($"NOT DIAGNOSED on this CPU: its PyTorch trained a seed-2 model that ONNX Runtime's input grid costs {100 * (fp32Top1 - int8Top1):F1} points (fp32 {fp32Top1:P1}), not the fragile one that AVX-512 CPUs train (Intel Xeon, AMD Zen 5: 75.7 % -> 70.0 %); only the model-independent assertions ran.");
        return false;
    }

    /// <summary>
    /// Quantizes <paramref name="fp32Bundle"/> with the default settings, as `edgekit quantize --bundle fp32 --data embedded
    /// --out int8` runs them (512 calibration images of the training split, the activation type and float layers chosen
    /// for this machine), and compares both bundles on the 1,000 test images through the device path.
    /// </summary>
    private (double Fp32Top1, double Int8Top1, double Agreement, BundleManifest Int8Manifest) QuantizeWithDefaults(string fp32Bundle, string int8Name, string label)
    {
        var (train, test) = EmbeddedFashionMnist.Load();
        string int8Bundle = Path.Combine(_root, int8Name);
        var lines = new List<string>();
        new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default)).Quantize(fp32Bundle, int8Bundle, train, new ProgressLines(lines));
        foreach (string line in lines) output.WriteLine(line);

        int[] fp32 = Predict(fp32Bundle, test), int8 = Predict(int8Bundle, test);
        double fp32Top1 = Top1(fp32, test.Labels), int8Top1 = Top1(int8, test.Labels);
        double agreement = fp32.Zip(int8).Count(p => p.First == p.Second) / (double)test.Count;
        output.WriteLine($"{label}, default settings: device path fp32 {fp32Top1:P2}, int8 {int8Top1:P2}, top-1 agreement {agreement:P2} on {test.Count} images");
        Assert.Equal(1000, test.Count);
        return (fp32Top1, int8Top1, agreement, ModelBundleFolder.Read(int8Bundle).Manifest);
    }

    /// <summary>
    /// Top-1 predictions through the manifest contract, with the evaluator's default batch size: torch.onnx.export fixed
    /// the model's batch at 1, and the evaluator (as `edgekit eval-bundle`) must follow the model, not its default.
    /// </summary>
    private static int[] Predict(string bundle, ImageDataset test)
    {
        using var evaluator = new OnnxEvaluator(ModelBundleFolder.Read(bundle), new OnnxEvaluatorOptions { Threads = 1 });
        Assert.Equal(1, evaluator.BatchSize);
        return evaluator.Predict(test);
    }

    private static long OnnxBytes(string bundle) => Directory.GetFiles(bundle, "*.onnx").Sum(f => new FileInfo(f).Length);

    private static double Top1(int[] predictions, long[] labels) => predictions.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;

    /// <summary>The seed-2 model, trained once for the tests of this class that use it (about 50 s of CPU), removed after them.</summary>
    public sealed class Seed2Model : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "edgekit-foreign-seed2-" + Guid.NewGuid().ToString("N"));
        private readonly Lazy<string> _bundle;

        public Seed2Model() => _bundle = new(() => TorchvisionZoo.TrainFashionMnist(_folder, 2, Epochs, StemStride).Bundle);

        public string Bundle => _bundle.Value;

        public void Dispose()
        {
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
    }

}
