using System.Text.Json.Nodes;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Tests.Passes;

/// <summary>
/// <c>maxDrop</c> on a real model: a MobileNet v1 trained on the embedded Fashion-MNIST subset, exported, and quantized with
/// deliberately poor quantization (ranges from one image clipped at its 99.7th percentile of |x|, stem quantized, one
/// weight scale per tensor without equalization: depthwise filters of very different ranges share it) and a limit of
/// 0.5 points, so int8 starts clearly below fp32 on the held-out images (activations of other images are clipped) and
/// the fallback has to keep layers float. Min/max ranges from one image were the poor setting until 2026-12-01: on an
/// Intel Xeon (AVX-512 VNNI) they cost nothing with any of the three seeds (fp32 73.3 %, int8 73.5 %); the 99.7th
/// percentile cost 2.5 points there and the fallback repaired it with 3 Convs still int8 (99.5: 3.5 points, 1 Conv left;
/// 99: 5.3 points; 90: not repairable).
/// </summary>
public sealed class QuantizeMaxDropTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgekit-maxdrop-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Trained_model_keeps_its_lowest_sqnr_layers_float_until_held_out_top1_is_within_the_limit()
    {
        // Training here is not bit-reproducible from run to run, and on some runs the poor quantization below happens to
        // cost nothing (fp32 73.2 %, int8 73.3 %, 2026-12-01). The scenario needs a real drop, so up to six seeds are
        // tried (three were not always enough: in CI on 2026-12-05 seeds 3-5 all lost nothing, fp32 70.3 %, int8 70.5 %
        // on the last); every assertion below then holds for the run that has one.
        List<string> lines = [];
        string folder = "";
        JsonNode report = null!, fallback = null!;
        double fp32 = 0, first = 0;
        List<string> unreachable = [];
        foreach (int seed in new[] { 3, 4, 5, 6, 7, 8 })
        {
            string json = $$"""
            {
              "name": "maxdrop", "output": "{{Path.Combine(_root, "seed" + seed)}}", "seed": {{seed}}, "threads": 1,
              "dataset": { "name": "embedded", "testLimit": 200 },
              "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0], "precisions": ["int8"] },
              "passes": [
                { "name": "train", "options": { "epochs": 3, "batchSize": 64, "inputSize": 16, "learningRate": 0.05 } },
                { "name": "export", "options": { "verificationImages": 4 } },
                { "name": "quantize", "options": { "calibrationImages": 1, "method": "percentile", "percentile": 99.7, "floatLayers": ["none"], "perTensor": true, "equalize": false, "maxDrop": 0.5, "heldOutImages": 1000 } }
              ]
            }
            """;
            lines = [];
            PipelineResults results;
            try
            {
                results = new PipelineRunner(RecipeLoader.Parse(json, "maxdrop.json")) { Progress = new ProgressLines(lines) }.Run();
            }
            catch (QuantizationException e) when (e.Message.Contains("not reachable", StringComparison.Ordinal))
            {
                // A trained model whose drop the fallback cannot repair even with every layer float (seen in CI, 2026-12-03:
                // 28 of 29 layers float, 0.60 points still lost to the input's one-image range) is outside the scenario,
                // like one with no drop: the next seed. If no seed gives a repairable drop, the assertions below fail.
                unreachable.Add($"seed {seed}: {e.Message}");
                continue;
            }
            folder = results.Steps.Single(s => s.Pass == QuantizePass.PassName).Folder;
            report = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, QuantizationReportWriter.FileName)))!;
            fallback = report["accuracyFallback"]!;
            fp32 = (double)fallback["fp32Top1"]!;
            first = (double)fallback["firstInt8Top1"]!;
            if (first < fp32 - 0.005) break;
        }
        Assert.True(fallback is not null, $"no seed gave a model to check: {string.Join("; ", unreachable)}");
        double int8 = (double)fallback["int8Top1"]!;
        Assert.Equal(1000, (int)fallback["images"]!);
        Assert.True(fp32 > 0.5, $"the model did not learn: fp32 top-1 {fp32}");
        Assert.True(first < fp32 - 0.005, $"one calibration image should cost more than 0.5 points before the fallback (6 seeds): fp32 {fp32}, int8 {first}; {string.Join("; ", unreachable)}");
        Assert.True(int8 >= fp32 - 0.005, $"int8 top-1 {int8} is still more than 0.5 points below fp32 {fp32}");
        var kept = fallback["floatLayers"]!.AsArray().Select(l => (string)l!["name"]!).ToList();
        Assert.NotEmpty(kept);
        // Kept in ranking order: lowest model-output SQNR with only that layer quantized first.
        var keptDb = fallback["floatLayers"]!.AsArray().Select(l => (double)l!["outputSqnrDb"]!).ToList();
        Assert.Equal(keptDb.Order(), keptDb);

        // The fusion report agrees: those layers run in float, for that reason; the others are measured.
        var layers = report["layers"]!.AsArray().ToDictionary(l => (string)l!["name"]!, l => l!);
        foreach (string name in kept)
        {
            Assert.True((bool)layers[name]["float"]!, name);
            Assert.Equal(AccuracyFallback.FloatReason, (string)layers[name]["reason"]!);
        }
        Assert.Contains(layers.Values, l => l["op"]!.GetValue<string>() == "Conv" && !(bool)l["float"]! && l["sqnrDb"] is not null);

        // The bundle says it, and so does the log.
        var manifest = ModelBundleFolder.Read(folder).Manifest;
        Assert.StartsWith("max-drop 0.5 points on 1000 held-out images", manifest.Provenance["accuracyFallback"], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("quantize: max-drop 0.5 points", StringComparison.Ordinal) && l.Contains($"{kept.Count} layer", StringComparison.Ordinal));
    }

}
