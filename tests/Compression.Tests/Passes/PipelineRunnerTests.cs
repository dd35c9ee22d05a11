using EdgeToolkit.Compression.Passes;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Tests.Passes;

/// <summary>The whole pass chain on a tiny budget: embedded Fashion-MNIST subset, 16x16 inputs, one short epoch.</summary>
public sealed class PipelineRunnerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgekit-pipeline-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Tiny_recipe_trains_once_prunes_fine_tunes_exports_quantizes_and_reports_every_cell()
    {
        string json = $$"""
        {
          "name": "tiny", "output": "{{_root}}", "seed": 3, "threads": 2,
          "dataset": { "name": "embedded", "trainLimit": 256, "testLimit": 100 },
          "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5], "precisions": ["fp32", "int8"] },
          "passes": [
            { "name": "train", "options": { "epochs": 1, "batchSize": 64, "inputSize": 16, "learningRate": 0.05 } },
            { "name": "prune" },
            { "name": "finetune", "options": { "epochs": 1, "batchSize": 64, "maxBatchesPerEpoch": 2 } },
            { "name": "export", "options": { "verificationImages": 4 } },
            { "name": "quantize", "options": { "calibrationImages": 32 } },
            { "name": "evaluate" },
            { "name": "bench", "options": { "warmup": 1, "runs": 5 } }
          ]
        }
        """;
        var recipe = RecipeLoader.Parse(json, "tiny.json");
        var lines = new List<string>();
        var results = new PipelineRunner(recipe) { Progress = new ProgressLines(lines) }.Run();

        // One row per cell, in matrix order, each fully measured.
        Assert.Equal(["a1-fp32", "a1-int8", "a0.5-fp32", "a0.5-int8"], results.Rows.Select(r => $"a{r.Alpha}-{KebabCase.Name(r.Precision)}"));
        Assert.All(results.Rows, r =>
        {
            Assert.NotNull(r.Accuracy);
            Assert.InRange(r.Accuracy!.Value, 0, 1);
            Assert.True(r.LatencyP50Ms > 0 && r.LatencyP99Ms >= r.LatencyP50Ms);
            Assert.True(r.Parameters > 0 && r.Macs > 0 && r.FileSizeBytes > 0);
            var manifest = ModelBundleFolder.Read(r.ModelFolder).Manifest; // a valid bundle
            Assert.Equal(r.Precision, manifest.Precision);
            Assert.Equal(r.Alpha, manifest.Alpha);
            // Calibration and evaluation name the preprocessing route they took: the device's (the manifest contract).
            if (r.Precision == Precision.Int8)
                Assert.StartsWith("manifest contract (ModelInputWriter, as on the device)", manifest.Provenance["calibrationPreprocessing"], StringComparison.Ordinal);
        });
        var full = results.Rows[0];
        var half = results.Rows[2];
        Assert.True(half.Parameters < full.Parameters / 3, $"{half.Parameters} vs {full.Parameters}");
        Assert.True(half.Macs < full.Macs / 3);
        Assert.True(results.Rows[1].FileSizeBytes < full.FileSizeBytes / 3, "int8 file should be about 4x smaller");
        Assert.Equal(["train", "export"], full.Lineage);
        Assert.Equal(["train", "prune", "finetune", "export", "quantize"], results.Rows[3].Lineage);
        Assert.NotNull(half.PrunedAccuracy);

        // Shared work runs once: one training, one pruning, one export per width, one quantization per width.
        var runs = results.Steps.GroupBy(s => s.Pass).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, runs["train"]);
        Assert.Equal(1, runs["prune"]);
        Assert.Equal(1, runs["finetune"]);
        Assert.Equal(2, runs["export"]);
        Assert.Equal(2, runs["quantize"]);
        Assert.Equal(4, runs["evaluate"]);
        Assert.Equal(4, runs["bench"]);
        Assert.All(results.Steps, s => Assert.True(Directory.Exists(s.Folder), s.Folder));
        Assert.True(Directory.Exists(Path.Combine(_root, "tiny", "02-prune", "mobilenet_v1-a0.5")));
        string evalReport = Path.Combine(_root, "tiny", "06-evaluate", "mobilenet_v1-a0.5-int8", EvaluatePass.ReportFile);
        Assert.True(File.Exists(evalReport));
        using (var eval = System.Text.Json.JsonDocument.Parse(File.ReadAllText(evalReport)))
            Assert.StartsWith("manifest contract (ModelInputWriter, as on the device)", eval.RootElement.GetProperty("preprocessing").GetString(), StringComparison.Ordinal);

        // Reports: Markdown table, JSON, offline HTML with inline SVG charts.
        string md = File.ReadAllText(results.MarkdownPath);
        Assert.Contains("| architecture | alpha | precision | params | MACs | file size | accuracy | latency p50 | latency p99 |", md, StringComparison.Ordinal);
        Assert.Equal(4, md.Split('\n').Count(l => l.StartsWith("| mobilenet_v1 |", StringComparison.Ordinal)));
        string html = File.ReadAllText(results.HtmlPath);
        Assert.Contains("data-chart=\"pareto-latency\"", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"pareto-size\"", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"training-loss\"", html, StringComparison.Ordinal); // the train pass's train-log.jsonl
        Assert.Equal(4, html.Split("data-chart=\"confusion\"").Length - 1); // one per evaluated cell (eval.json)
        Assert.DoesNotContain("class=\"error\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("\"rows\"", File.ReadAllText(results.JsonPath), StringComparison.Ordinal);

        // Manifests and reports name paths relative to the run (a copied or moved run still reads), never this machine's absolute paths.
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(results.JsonPath)))
        {
            var rows = doc.RootElement.GetProperty("rows");
            for (int i = 0; i < results.Rows.Count; i++)
            {
                string folder = rows[i].GetProperty("modelFolder").GetString()!;
                Assert.False(Path.IsPathRooted(folder), folder);
                Assert.Equal(Path.GetFullPath(results.Rows[i].ModelFolder), Path.GetFullPath(Path.Combine(results.Folder, folder)));
            }
            Assert.All(doc.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.True(Directory.Exists(Path.Combine(results.Folder, s.GetProperty("folder").GetString()!))));
        }
        var absolute = Directory.EnumerateFiles(results.Folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".json" or ".jsonl" or ".md" or ".html" && File.ReadAllText(f).Contains(_root, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(results.Folder, f));
        Assert.Empty(absolute);
        Assert.Contains(lines, l => l.StartsWith("prune: alpha 1 -> 0.5", StringComparison.Ordinal));
    }

}
