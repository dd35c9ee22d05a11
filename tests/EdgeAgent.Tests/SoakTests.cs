using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Options;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

[CollectionDefinition(nameof(SoakCollection), DisableParallelization = true)]
public sealed class SoakCollection;

[Collection(nameof(SoakCollection))]
public class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ManagedAndNativeMemoryStayFlatOverManyFrames()
    {
        // EDGEAGENT_SOAK_FRAMES=50000 runs the long soak reported in docs/benchmarks.md.
        const int warmup = 1_000;
        int frames = int.TryParse(Environment.GetEnvironmentVariable("EDGEAGENT_SOAK_FRAMES"), out int n) && n > 0 ? n : 5_000;
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(TestFiles.NewFolder("soak"), "bundle")),
            Source = new FrameSourceOptions { Kind = "synthetic", Width = 64, Height = 48, PixelFormat = "jpeg" },
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        await h.RunAsync(warmup);
        h.Predictions.Clear();
        var (managed0, rss0) = Measure();
        var sw = Stopwatch.StartNew();
        await h.RunAsync(frames);
        sw.Stop();
        h.Predictions.Clear();
        var (managed1, rss1) = Measure();
        output.WriteLine($"soak {frames} frames in {sw.Elapsed.TotalSeconds:F1} s ({frames / sw.Elapsed.TotalSeconds:F0} fps): " +
            $"managed {managed0 / 1048576.0:F1} -> {managed1 / 1048576.0:F1} MB, RSS {rss0 / 1048576.0:F1} -> {rss1 / 1048576.0:F1} MB");
        Assert.Equal(warmup + frames, h.Metrics.Processed);
        Assert.Equal(0, h.Metrics.Bad);
        Assert.True(managed1 - managed0 < 50L << 20, $"managed heap grew {(managed1 - managed0) / 1048576.0:F1} MB");
        Assert.True(rss1 - rss0 < 50L << 20, $"RSS grew {(rss1 - rss0) / 1048576.0:F1} MB");
    }

    private static (long Managed, long Rss) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return (GC.GetTotalMemory(true), p.WorkingSet64);
    }
}
