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
    public async Task EachResultLineNamesItsFrameByItsByteOffsetInTheStream()
    {
        string dir = TestFiles.NewFolder("mjpeg-results");
        string file = Path.Combine(dir, "stream.mjpeg");
        byte[] stream = TestFiles.FfmpegMjpeg;
        File.WriteAllBytes(file, stream);
        // Where each JPEG starts in the file: what a user joins predictions with.
        var expected = new List<string>();
        int at = 0;
        foreach (var frame in TestFiles.SplitFrames(stream))
        {
            at += stream.AsSpan(at).IndexOf(frame);
            expected.Add($"offset {at}");
            at += frame.Length;
        }
        string results = Path.Combine(dir, "results.jsonl");
        using (var host = Hosting.AgentHost.CreateBuilder([
            $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}", "--EdgeAgent:Source:Kind=mjpeg", $"--EdgeAgent:Source:Path={file}",
            "--EdgeAgent:Source:Loop=false", $"--EdgeAgent:ResultsFile={results}", "--EdgeAgent:ReloadPollSeconds=0", "--EdgeAgent:ChannelCapacity=1024",
            $"--EdgeAgent:StatusFile={Path.Combine(dir, "status.json")}", "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false",
            "--EdgeAgent:SummarySeconds=0.5",
        ]).Build())
        {
            await host.StartAsync();
            for (int wait = 0; wait < 600 && Lines(results).Count < expected.Count; wait++) // safety bound, not a timing assertion
                await Task.Delay(100);
            await host.StopAsync();
        }
        var sources = Lines(results).Select(l =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("source").GetString();
        });
        Assert.Equal(expected, sources);

        static List<string> Lines(string path)
        {
            if (!File.Exists(path)) return [];
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            var lines = new List<string>();
            while (reader.ReadLine() is { } line)
                if (line.EndsWith('}')) lines.Add(line); // a line still being written is left for the next read
            return lines;
        }
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
