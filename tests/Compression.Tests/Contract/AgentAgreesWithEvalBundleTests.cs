using System.Text.Json;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Tests.Export;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using Microsoft.Extensions.Hosting;
using TorchSharp;

namespace EdgeToolkit.Compression.Tests.Contract;

/// <summary>
/// End to end: the device agent classifying raw 28x28 Fashion-MNIST PNG files (folder source, results JSON lines
/// joined by file name) gets the top-1 that host evaluation (<see cref="OnnxEvaluator"/>, what <c>edgekit eval-bundle</c>
/// runs) reports on the same images, within 0.3 point; and the check can fail: the schema-1 <c>stretch</c> manifest
/// changes the host's predictions.
/// </summary>
public sealed class AgentAgreesWithEvalBundleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("agent-vs-eval-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task Agent_top1_on_raw_dataset_frames_equals_eval_bundle_top1()
    {
        var test = EmbeddedFashionMnist.Load(train: false);
        test = test.Subset(Enumerable.Range(0, Math.Min(300, test.Count)).ToArray());
        var spec = ExportTestModels.Spec("mobilenet_v1", 1, 32, 0.25);
        using var model = Training.Models.ModelFactory.Create(spec);
        ExportTestModels.DrawWeights(model, seed: 11); // the same model whatever runs beside it
        ExportTestModels.WidenClassifier(model);
        Evaluation.OnnxEvaluatorTests.CenterClassifier(model, test, spec with { ResizePolicy = ResizePolicy.Pad });
        ScaleClassifier(model, test, spec with { ResizePolicy = ResizePolicy.Pad });
        string bundle = Path.Combine(dir, "bundle");
        var manifest = BundleExporter.Export(model, spec, bundle, realData: test).Bundle.Manifest;
        Assert.Equal(ResizePolicy.Pad, manifest.ResizePolicy);

        int[] host;
        // Batch 1, as the agent runs: an untrained model has near-ties that batched kernels' rounding could flip.
        using (var evaluator = new OnnxEvaluator(ModelBundleFolder.Read(bundle), new OnnxEvaluatorOptions { BatchSize = 1 }))
            host = evaluator.Predict(test);
        Assert.True(host.Distinct().Count() > 2, "an untrained model predicting one class would test little");

        // The raw frames, as stored (28x28), named so predictions join with labels.
        string frames = Path.Combine(dir, "frames");
        Directory.CreateDirectory(frames);
        for (int i = 0; i < test.Count; i++)
        {
            using var image = ModelInputWriter.ToImage(test.Pixels.AsSpan(i * test.ImageBytes, test.ImageBytes), 1, test.Height, test.Width);
            await SixLabors.ImageSharp.ImageExtensions.SaveAsPngAsync(image, Path.Combine(frames, $"{i:0000}.png"));
        }
        var pre = new EdgeAgent.Processing.FramePreprocessor(1 << 24, 64);
        for (int i = 0; i < 5; i++)
        {
            using var frame = EdgeAgent.Frames.Frame.Copy(File.ReadAllBytes(Path.Combine(frames, $"{i:0000}.png")), EdgeAgent.Frames.FrameFormat.Encoded, 0, 0, i);
            using var image = pre.Decode(frame, 32, 32);
            var agentInput = new float[manifest.Input.Length];
            EdgeAgent.Processing.FramePreprocessor.ToTensor(image, manifest, agentInput);
            Assert.Equal(EdgeToolkit.Compression.Passes.BundleInputBatches.Read(test.Subset([i]), manifest, 1).Single().Data, agentInput);
        }
        var device = await RunAgent(bundle, frames, test.Count);

        int agree = Enumerable.Range(0, test.Count).Count(i => device[$"{i:0000}.png"] == host[i]);
        double hostTop1 = Top1(host, test), deviceTop1 = Top1(Enumerable.Range(0, test.Count).Select(i => device[$"{i:0000}.png"]).ToArray(), test);
        Assert.True(Math.Abs(hostTop1 - deviceTop1) <= 0.003, $"eval-bundle top-1 {hostTop1:P2}, agent {deviceTop1:P2}; {agree} of {test.Count} predictions agree; shifted +1: {Enumerable.Range(0, test.Count - 1).Count(i => device[$"{i + 1:0000}.png"] == host[i])}, -1: {Enumerable.Range(1, test.Count - 1).Count(i => device[$"{i - 1:0000}.png"] == host[i])}; host classes {string.Join(",", host.Take(12))} device {string.Join(",", Enumerable.Range(0, 12).Select(i => device[$"{i:0000}.png"]))}");
        Assert.True(agree >= test.Count * 99 / 100, $"{agree} of {test.Count} predictions agree");

        // The old export's stretch, evaluated the same way, predicts differently: the comparison has teeth.
        var stretched = manifest with { ResizePolicy = ResizePolicy.Stretch };
        using var stretchEvaluator = new OnnxEvaluator(new LoadedBundle(bundle, Path.Combine(bundle, "model.onnx"), stretched), new OnnxEvaluatorOptions { BatchSize = 1 });
        int[] stretch = stretchEvaluator.Predict(test);
        Assert.True(stretch.Zip(host).Count(p => p.First != p.Second) > test.Count / 20, "stretch should change a noticeable share of predictions");
    }

    /// <summary>
    /// Scales the classifier so the logits spread by about one unit: an untrained network's centred logits are
    /// ~1e-14 apart, where any ranking is rounding noise rather than the model's answer.
    /// </summary>
    private static void ScaleClassifier(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, ImageDataset data, Training.Models.ModelSpec spec)
    {
        model.eval();
        var fc = model.modules().OfType<TorchSharp.Modules.Linear>().Last();
        using var loader = new BatchLoader(data, Training.Training.ClassifierEvaluator.LoaderOptions(spec, data.Count));
        using var noGrad = TorchSharp.torch.no_grad();
        foreach (var (images, labels) in loader.Batches(0))
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var x = images;
            using var y = labels;
            double spread = model.call(x).std().item<float>();
            Assert.True(spread > 0, "logits do not depend on the image");
            using var s = spread.ToScalar();
            fc.weight!.div_(s);
            fc.bias!.div_(s);
        }
    }

    private static double Top1(int[] predictions, ImageDataset data) =>
        (double)Enumerable.Range(0, predictions.Length).Count(i => predictions[i] == data.Labels[i]) / predictions.Length;

    private async Task<Dictionary<string, int>> RunAgent(string bundle, string frames, int count)
    {
        string results = Path.Combine(dir, "results.jsonl");
        using var host = AgentHost.CreateBuilder([
            $"--EdgeAgent:Bundle={bundle}", "--EdgeAgent:Source:Kind=folder", $"--EdgeAgent:Source:Path={frames}", "--EdgeAgent:Source:Loop=false",
            $"--EdgeAgent:ResultsFile={results}", "--EdgeAgent:ReloadPollSeconds=0", $"--EdgeAgent:StatusFile={Path.Combine(dir, "status.json")}",
            "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false", "--EdgeAgent:ChannelCapacity=1024",
            "--EdgeAgent:SummarySeconds=0.5",
        ]).Build();
        await host.StartAsync();
        var predictions = new Dictionary<string, int>();
        for (int wait = 0; wait < 1200 && predictions.Count < count; wait++) // safety bound, not a timing assertion
        {
            await Task.Delay(100);
            predictions = ReadResults(results);
        }
        await host.StopAsync();
        predictions = ReadResults(results);
        Assert.Equal(count, predictions.Count);
        return predictions;
    }

    private static Dictionary<string, int> ReadResults(string path)
    {
        var map = new Dictionary<string, int>();
        if (!File.Exists(path)) return map;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (!line.EndsWith('}')) continue; // a line still being written
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            map[root.GetProperty("source").GetString()!] = root.GetProperty("top")[0].GetProperty("index").GetInt32();
        }
        return map;
    }
}
