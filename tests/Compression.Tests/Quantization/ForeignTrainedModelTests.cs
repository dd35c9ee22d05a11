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
public sealed class ForeignTrainedModelTests(ITestOutputHelper output) : IDisposable
{
    // Training settings: MobileNetV2 0.5 with torchvision's stride-2 stem (2.3x cheaper to train than the stride-1 stem
    // the full-data benchmark uses; same operator patterns), 2 epochs of 6,000 images, one torch thread: about 50 s of
    // CPU (1.5-3 min wall at load 8-27 on the 2-core Xeon). With one thread the training is deterministic on one machine
    // (seed 2 gave 75.70 % in two separate runs); another CPU's torch kernels may train a slightly different model.
    //
    // Measured on the Intel Xeon (AVX-512 VNNI, target x64-vnni: uint8 activations, stem quantized), 2026-12-01, seeds 1-5,
    // fp32 -> int8 top-1 on the 1,000 test images (top-1 agreement): 75.8 -> 75.5 (97.7 %), 75.7 -> 70.0 (88.1 %),
    // 69.5 -> 69.4 (97.7 %), 72.7 -> 72.0 (97.8 %), 64.8 -> 64.9 (94.4 %); PyTorch and the device path agreed exactly on
    // fp32 every time. Seed 2 is a real failure of the default, not noise: it loses 5.7 points with the stem quantized,
    // 0.4 with the stem float (--float-layers first-conv), and --max-drop 1 ranks the stem last (isolated SQNR 42 dB) so
    // it keeps 61 layers float (docs/quantization.md, "A torchvision MobileNetV2 trained on Fashion-MNIST"). Seed 1 is
    // used here; running this test with seed 2 fails both bounds below, which is how it was shown that it can fail.
    // Bounds: the 1 point, and 95 % agreement (the lowest agreement among the seeds that met 1 point was 94.4 %
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
        var (train, test) = EmbeddedFashionMnist.Load();
        string int8Bundle = Path.Combine(_root, "int8");
        var lines = new List<string>();
        // Default settings, as `edgekit quantize --bundle fp32 --data embedded --out int8` runs them: 512 calibration
        // images of the training split, the activation type and float layers chosen for this machine.
        new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default)).Quantize(fp32Bundle, int8Bundle, train, new Lines(lines));
        foreach (string line in lines) output.WriteLine(line);

        int[] fp32 = Predict(fp32Bundle, test), int8 = Predict(int8Bundle, test);
        double fp32Top1 = Top1(fp32, test.Labels), int8Top1 = Top1(int8, test.Labels);
        double agreement = fp32.Zip(int8).Count(p => p.First == p.Second) / (double)test.Count;
        output.WriteLine($"PyTorch fp32 {torchTop1:P2}; device path fp32 {fp32Top1:P2}, int8 {int8Top1:P2}, top-1 agreement {agreement:P2} on {test.Count} images");

        Assert.Equal(1000, test.Count);
        Assert.True(fp32Top1 > 0.70, $"the model did not learn: fp32 top-1 {fp32Top1:P2}");
        // The manifest feeds the model what training fed it (28x28 centred on black in 32x32, (x/255-0.5)/0.5): ONNX Runtime
        // through the device path agrees with PyTorch's own evaluation to within float rounding (a wrong resizePolicy,
        // e.g. center-crop scaling 28 to 32, costs several points).
        Assert.True(Math.Abs(fp32Top1 - torchTop1) <= 0.003, $"device-path fp32 top-1 {fp32Top1:P2} differs from PyTorch's {torchTop1:P2}");
        // Issue 17's target: int8 within 1 point of fp32 (measured: see the comment on the training settings).
        Assert.True(int8Top1 >= fp32Top1 - 0.01, $"int8 top-1 {int8Top1:P2} is more than 1 point below fp32 {fp32Top1:P2}");
        Assert.True(agreement >= 0.95, $"int8 and fp32 agree on only {agreement:P2} of the top-1 predictions");

        var manifest = ModelBundleFolder.Read(int8Bundle).Manifest;
        Assert.Equal(Precision.Int8, manifest.Precision);
        Assert.Equal(ResizePolicy.Pad, manifest.ResizePolicy);
        Assert.Contains("0 float islands", manifest.Provenance["quantizationFusion"], StringComparison.Ordinal);
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

    private static double Top1(int[] predictions, long[] labels) => predictions.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;

    private sealed class Lines(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines) lines.Add(value);
        }
    }
}
