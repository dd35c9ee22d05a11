using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Options;

namespace EdgeToolkit.EdgeAgent.Tests;

public class HotReloadTests
{
    private static readonly string[] Animals = ["cat", "dog", "bird"];

    [Fact]
    public void BadBundleIsRefusedAndTheOldModelKeepsServingThenAGoodOneIsSwappedIn()
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("reload"));
        var options = new AgentOptions { Bundle = bundle, Source = new FrameSourceOptions { Kind = "synthetic", Width = 64, Height = 48, PixelFormat = "rgb" } };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        Assert.Equal(1, h.Models.Generation);
        using var synthetic = new SyntheticFrameSource(options.Source);
        Frame NextFrame()
        {
            Frame? f = null;
            using var cts = new CancellationTokenSource();
            synthetic.Run(frame => { f = frame; cts.Cancel(); }, cts.Token);
            return f!;
        }
        Assert.NotNull(h.Processor.Process(NextFrame()));

        // A frame in flight holds the old runner across the swap.
        var inFlight = h.Models.Acquire()!;

        // Bad: the model no longer matches the manifest's hash.
        string model = Path.Combine(bundle, "model.onnx");
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(model, bytes);
        Assert.False(h.Models.TryLoad());
        Assert.Equal(1, h.Metrics.ModelLoadsRefused);
        Assert.Contains("SHA-256", h.Models.LastError, StringComparison.Ordinal);
        Assert.Equal(TinyClassifier.TenLabels, h.Models.Manifest!.Labels);
        var stillServing = h.Processor.Process(NextFrame());
        Assert.NotNull(stillServing);
        Assert.Contains(stillServing.Labels[0], TinyClassifier.TenLabels);
        Assert.False(h.Models.TryLoad()); // the same bad bundle is not retried in a loop
        Assert.Equal(1, h.Metrics.ModelLoadsRefused);

        // Good: a new model with other labels and another input size.
        TinyClassifier.WriteBundle(bundle, size: 24, labels: Animals, seed: 7);
        Assert.True(h.Models.TryLoad());
        Assert.Equal(2, h.Models.Generation);
        var after = h.Processor.Process(NextFrame());
        Assert.NotNull(after);
        Assert.Contains(after.Labels[0], Animals);

        inFlight.Runner.Run(); // the retired runner is still alive for its holder
        Assert.Equal(10, inFlight.Runner.Output.Length);
        inFlight.Dispose();
    }

    [Fact]
    public async Task WatcherPicksUpANewBundleAfterTheDebounce()
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("watch"));
        var options = new AgentOptions { Bundle = bundle, ReloadPollSeconds = 0.1 };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // safety net only
        var watch = h.Models.WatchAsync(cts.Token);
        TinyClassifier.WriteBundle(bundle, labels: Animals, seed: 3);
        while (h.Models.Generation < 2 && !cts.IsCancellationRequested) await Task.Delay(20);
        await cts.CancelAsync();
        await watch;
        Assert.Equal(2, h.Models.Generation);
        Assert.Equal(Animals, h.Models.Manifest!.Labels);
    }

    [Fact]
    public void BundleWhoseManifestDoesNotMatchTheGraphIsRefusedByTheServingSession()
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("mismatch"));
        var loaded = EdgeToolkit.ModelBundle.ModelBundleFolder.Read(bundle, checkGraph: false);
        // Hash and fields are valid, but the graph has 10 outputs and the manifest 3 labels.
        EdgeToolkit.ModelBundle.ModelBundleFolder.Write(bundle, loaded.ModelPath, loaded.Manifest with { Labels = Animals });
        var options = new AgentOptions { Bundle = bundle, Source = new FrameSourceOptions { Kind = "synthetic", Width = 64, Height = 48, PixelFormat = "rgb" } };
        using var h = new Harness(options);
        Assert.False(h.Models.TryLoad());
        Assert.Contains("10 classes but the manifest has 3 labels", h.Models.LastError, StringComparison.Ordinal);
    }
}
