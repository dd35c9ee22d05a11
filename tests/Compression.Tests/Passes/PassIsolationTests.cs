using EdgeToolkit.Compression.Passes;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Tests.Passes;

/// <summary>A pass writes a new artefact in its own folder and never touches its input.</summary>
public sealed class PassIsolationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgekit-pass-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private sealed class NoData : IDatasetSource
    {
        public string Description => "none";
        public ImageDataset Train => throw new InvalidOperationException("no data in this test");
        public ImageDataset Test => throw new InvalidOperationException("no data in this test");
    }

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), ModelBundleFolder.ComputeSha256);

    [Fact]
    public void Prune_and_export_write_new_artefacts_and_leave_their_inputs_unchanged()
    {
        torch.random.manual_seed(5);
        var spec = new ModelSpec("mobilenet_v1", 4, 1, 16, 1.0) { Mean = [0.5f], Std = [0.25f], Labels = ["a", "b", "c", "d"] };
        string trained = Path.Combine(_root, "train");
        using (var model = ModelFactory.Create(spec)) Checkpoint.Save(trained, model, spec, null);
        var before = Hashes(trained);

        var input = new Artefact(ArtefactKind.Checkpoint, trained, "mobilenet_v1", 1.0, Precision.Fp32) { CheckpointFolder = trained }.After("train");
        var context = new PassContext(new NoData(), new ModelVariant("mobilenet_v1", 0.5, Precision.Fp32));
        var prune = new PrunePass(new PrunePassOptions { Evaluate = false });
        Assert.True(prune.AppliesTo(input, context.Target));
        Assert.False(prune.AppliesTo(input, new ModelVariant("mobilenet_v1", 1.0, Precision.Fp32)));
        var pruned = prune.Run(input, Path.Combine(_root, "prune"), context);

        Assert.Equal(before, Hashes(trained));
        Assert.StartsWith(Path.Combine(_root, "prune"), pruned.Folder, StringComparison.Ordinal);
        Assert.Equal(0.5, pruned.Alpha);
        Assert.Same(input, pruned.Parent);
        Assert.Equal(["train", "prune"], pruned.Lineage);
        Assert.Equal(0.5, Checkpoint.ReadSpec(pruned.Folder).Spec.Alpha);
        Assert.True(File.Exists(Path.Combine(_root, "prune", PrunePass.ReportFile)));

        var prunedBefore = Hashes(pruned.Folder);
        var export = new ExportPass(new ExportPassOptions { VerificationImages = 0 });
        var bundle = export.Run(pruned, Path.Combine(_root, "export"), context);
        Assert.Equal(prunedBefore, Hashes(pruned.Folder));
        Assert.Equal(ArtefactKind.OnnxBundle, bundle.Kind);
        var manifest = ModelBundleFolder.Read(bundle.Folder).Manifest;
        Assert.Equal(0.5, manifest.Alpha);
        Assert.Equal(ChannelOrder.Gray, manifest.ChannelOrder);
        Assert.Equal([-1, 1, 16, 16], manifest.InputShape);
        using var fresh = new MobileNetV1(4, 0.5, 1, 16);
        Assert.Equal(ModelComplexity.Measure(fresh, 1, 16, 16).Macs, manifest.Macs);
    }

    [Fact]
    public void Report_html_is_self_contained_with_two_charts_and_marks_int8_points()
    {
        var rows = new[]
        {
            new ResultRow("mobilenet_v1", 1.0, Precision.Fp32, 3_200_000, 11_000_000, 12_800_000, 0.91, 0.5, 0.9, "a"),
            new ResultRow("mobilenet_v1", 0.5, Precision.Int8, 820_000, 3_000_000, 920_000, 0.90, 0.3, 0.6, "b"),
            new ResultRow("resnet20", 1.0, Precision.Fp32, 270_000, 40_000_000, 1_100_000, null, null, null, "c"),
        };
        var results = new PipelineResults("r<1>", _root, "test data", rows, [], 12);
        string html = ResultsReport.Html(results);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Equal(2, html.Split("<svg ").Length - 1);
        Assert.Single(html.Split("<rect x=").Skip(1).Where(s => s.Contains("fill=\"#", StringComparison.Ordinal) && s.Contains("<title>mobilenet_v1 a0.5 int8", StringComparison.Ordinal)).ToArray().Take(1));
        Assert.Contains("r&lt;1&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        string md = ResultsReport.Markdown(results);
        Assert.Contains("| mobilenet_v1 | 0.5 | int8 | 820.0K | 3.00M | 898.4 KiB | 90.00% | 0.300 ms | 0.600 ms |", md, StringComparison.Ordinal);
        Assert.Contains("| resnet20 | 1 | fp32 | 270.0K | 40.00M | 1.05 MiB | – | – | – |", md, StringComparison.Ordinal);
    }
}
