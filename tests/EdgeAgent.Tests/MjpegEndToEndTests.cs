using EdgeToolkit.EdgeAgent.Options;

namespace EdgeToolkit.EdgeAgent.Tests;

public class MjpegEndToEndTests
{
    [Fact]
    public async Task RealFfmpegStreamFromAFileIsFullyClassified()
    {
        string dir = TestFiles.NewFolder("mjpeg-file");
        string file = Path.Combine(dir, "stream.mjpeg");
        File.WriteAllBytes(file, TestFiles.FfmpegMjpeg);
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")),
            Source = new FrameSourceOptions { Kind = "mjpeg", Path = file, Loop = false },
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        long taken = await h.RunAsync(0);

        Assert.Equal(90, taken);
        Assert.Equal(90, h.Metrics.Processed);
        Assert.Equal(0, h.Metrics.Dropped);
        Assert.Equal(0, h.Metrics.Bad);
        Assert.Equal(90, h.Predictions.Count);
        Assert.All(h.Predictions, p =>
        {
            Assert.Equal(3, p.Labels.Length);
            Assert.All(p.Labels, l => Assert.Contains(l, TinyClassifier.TenLabels));
            Assert.True(p.Probabilities[0] >= p.Probabilities[1] && p.Probabilities[1] >= p.Probabilities[2]);
        });
        var totals = h.Metrics.Totals();
        Assert.All(totals.Values, s => Assert.Equal(90, s.Count));
        Assert.True(totals["decode"].P50 > 0 && totals["total"].Max >= totals["total"].P50);
    }

    [Fact]
    public async Task ChildProcessStreamIsClassifiedAndRestartedWhenTheChildExits()
    {
        string dir = TestFiles.NewFolder("mjpeg-child");
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")),
            ChannelCapacity = 4,
            Source = new FrameSourceOptions
            {
                Kind = "mjpeg",
                // 1 s of video per child run: the child exits and must be restarted.
                Command = TestFiles.FfmpegCommand.Replace("-t 3", "-t 1", StringComparison.Ordinal),
                RetryInitialSeconds = 0.1,
                RetryMaxSeconds = 0.5,
            },
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // safety net only
        var run = h.RunAsync(0, cts.Token);
        while (!cts.IsCancellationRequested && (h.Metrics.Restarts < 2 || h.Metrics.Processed + h.Metrics.Dropped < 60))
            await Task.Delay(50);
        await cts.CancelAsync();
        await run;

        Assert.True(h.Metrics.Restarts >= 2, $"restarts {h.Metrics.Restarts}");
        Assert.True(h.Metrics.Processed + h.Metrics.Dropped >= 60, $"processed {h.Metrics.Processed} dropped {h.Metrics.Dropped}");
        Assert.True(h.Metrics.Processed > 0);
        Assert.Equal(0, h.Metrics.Bad);
        Assert.Equal(h.Metrics.Processed, h.Metrics.Totals()["inference"].Count);
    }
}
