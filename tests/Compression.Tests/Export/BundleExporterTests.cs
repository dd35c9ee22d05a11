using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Tests.Evaluation;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Tests.Export;

public sealed class BundleExporterTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bundle-export-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Checkpoint_exports_to_a_verified_bundle_with_a_complete_manifest()
    {
        var spec = ExportTestModels.Spec("mobilenet_v1", 3, 32, 0.25) with { Mean = [0.3f], Std = [0.2f] };
        using var model = ExportTestModels.Create(spec);
        string checkpoint = Path.Combine(dir, "ckpt");
        Checkpoint.Save(checkpoint, model, spec, new EpochMetrics(3, 0.5, 0.8, 0.75, 0.01, 1, 100));
        string bundleDir = Path.Combine(dir, "bundle");

        var result = BundleExporter.ExportCheckpoint(checkpoint, bundleDir, EvaluationTestData.Grey28(12));

        Assert.Equal(["random", "real"], result.Export.Checks.Select(c => c.Inputs));
        Assert.All(result.Export.Checks, c => Assert.True(c.Passed, c.ToString()));
        Assert.Equal(12, result.Export.Checks[1].Images);
        var m = ModelBundleFolder.Read(bundleDir).Manifest;
        Assert.Equal("mobilenet_v1", m.Architecture);
        Assert.Equal(0.25, m.Alpha);
        Assert.Equal(Precision.Fp32, m.Precision);
        Assert.Equal([-1, 3, 32, 32], m.InputShape);
        Assert.Equal(ChannelOrder.Rgb, m.ChannelOrder);
        Assert.Equal(ResizePolicy.Pad, m.ResizePolicy); // 28x28 images, 32x32 model, a checkpoint without a recorded policy
        Assert.Equal("dataset", m.Provenance["resize_policy_from"]);
        Assert.Equal([0.3f, 0.3f, 0.3f], m.Mean);
        Assert.Equal([0.2f, 0.2f, 0.2f], m.Std);
        Assert.Equal(spec.Labels, m.Labels);
        Assert.Equal(0.75, m.Accuracy);
        var complexity = ModelComplexity.Measure(model, 3, 32, 32);
        Assert.Equal(complexity.Parameters, m.Parameters);
        Assert.Equal(complexity.Macs, m.Macs);
        Assert.Equal(new FileInfo(Path.Combine(bundleDir, "model.onnx")).Length, m.FileSizeBytes);
        Assert.False(Path.IsPathRooted(m.Provenance["checkpoint"]), "the manifest records the checkpoint relative to the bundle folder");
        Assert.Equal(Path.GetFullPath(checkpoint), Path.GetFullPath(Path.Combine(bundleDir, m.Provenance["checkpoint"])));
        Assert.Equal(["manifest.json", "model.onnx"], Directory.GetFiles(bundleDir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Grey_model_gets_GRAY_channel_order_and_numbered_labels_when_the_spec_has_none()
    {
        var spec = new ModelSpec("resnet20", 3, 1, 16);
        using var model = ExportTestModels.Create(spec);

        var m = BundleExporter.Export(model, spec, Path.Combine(dir, "b")).Bundle.Manifest;

        Assert.Equal(ChannelOrder.Gray, m.ChannelOrder);
        Assert.Equal(["0", "1", "2"], m.Labels);
        Assert.Null(m.Accuracy);
        Assert.Equal(ResizePolicy.CenterCrop, m.ResizePolicy);
    }

    [Theory]
    [InlineData(ResizePolicy.Pad, null, ResizePolicy.Pad, "checkpoint")]
    [InlineData(ResizePolicy.CenterCrop, null, ResizePolicy.CenterCrop, "checkpoint")]
    [InlineData(ResizePolicy.Pad, ResizePolicy.Stretch, ResizePolicy.Stretch, "option")]
    public void Export_writes_the_policy_the_checkpoint_was_trained_with_unless_overridden(ResizePolicy trained, ResizePolicy? forced, ResizePolicy expected, string from)
    {
        var spec = new ModelSpec("resnet20", 3, 1, 16) { ResizePolicy = trained };
        using var model = ExportTestModels.Create(spec);
        string checkpoint = Path.Combine(dir, "ckpt");
        Checkpoint.Save(checkpoint, model, spec, new EpochMetrics(1, 0.5, 0.8, 0.75, 0.01, 1, 100));

        var m = BundleExporter.ExportCheckpoint(checkpoint, Path.Combine(dir, "b"), EvaluationTestData.Grey28(4),
            new BundleExportOptions { ResizePolicy = forced }).Bundle.Manifest;

        Assert.Equal(expected, m.ResizePolicy);
        Assert.Equal(from, m.Provenance["resize_policy_from"]);
        Assert.Equal(trained, Checkpoint.ReadSpec(checkpoint).Spec.ResizePolicy);
    }
}
