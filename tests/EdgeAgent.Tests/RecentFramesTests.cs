using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The rolling p95 latency and mean top-1 probability the status reports for the canary gate.</summary>
public class RecentFramesTests
{
    [Fact]
    public void P95IsTheNearestRankOverTheFramesAndTheMeanIsExact()
    {
        var w = new RecentFrameWindow(100);
        Assert.Null(w.Snapshot());
        // Shuffled 1..100 ms: the nearest-rank 95th percentile is 95, whatever the order.
        var order = Enumerable.Range(1, 100).OrderBy(i => (i * 37) % 101).ToArray();
        foreach (int i in order) w.Record(1, totalMilliseconds: i, inferenceMilliseconds: i / 10.0, top1Probability: i % 2 == 0 ? 0.9f : 0.5f, finishedTimestamp: i);
        var s = w.Snapshot()!;
        Assert.Equal(100, s.Frames);
        Assert.Equal(1, s.ModelGeneration);
        Assert.Equal(95, s.TotalP95Ms);
        Assert.Equal(9.5, s.InferenceP95Ms);
        Assert.Equal(0.7, s.MeanTop1Probability, 4);
    }

    [Fact]
    public void OnlyTheLastCapacityFramesCountAndANewModelStartsAfresh()
    {
        var w = new RecentFrameWindow(10);
        for (int i = 1; i <= 25; i++) w.Record(1, i, i, 0.25f, i);
        var s = w.Snapshot()!;
        Assert.Equal(10, s.Frames);
        Assert.Equal(25, s.TotalP95Ms); // frames 16..25: ceil(0.95 * 10) = 10th value
        // Slow frames of the old model do not leak into the new one's figures.
        w.Record(2, 3, 1, 0.75f, 26);
        w.Record(2, 5, 2, 0.25f, 27);
        s = w.Snapshot()!;
        Assert.Equal(2, s.Frames);
        Assert.Equal(2, s.ModelGeneration);
        Assert.Equal(5, s.TotalP95Ms);
        Assert.Equal(2, s.InferenceP95Ms);
        Assert.Equal(0.5, s.MeanTop1Probability, 4);
    }

    [Fact]
    public void FramesPerSecondSpanTheRingAndBadFramesCountFromItsOldestFrame()
    {
        long tick = System.Diagnostics.Stopwatch.Frequency / 10; // 100 ms
        var w = new RecentFrameWindow(11);
        w.RecordBad(1, 0); // refused before the oldest frame the ring keeps: not counted
        for (int i = 1; i <= 16; i++) w.Record(1, 5, 1, 0.5f, i * tick); // the ring keeps frames 6..16: 10 intervals in 1 s
        w.RecordBad(1, 7 * tick);
        w.RecordBad(1, 12 * tick);
        w.RecordBad(1, 5 * tick); // before frame 6: not counted
        var s = w.Snapshot()!;
        Assert.Equal(11, s.Frames);
        Assert.Equal(10, s.FramesPerSecond, 6);
        Assert.Equal(Math.Round(2.0 / 13, 4), s.BadFrameRate);
        // Refusals under an older model are ignored; a newer model starts both rings afresh.
        w.RecordBad(0, 15 * tick);
        Assert.Equal(Math.Round(2.0 / 13, 4), w.Snapshot()!.BadFrameRate);
        w.RecordBad(2, 17 * tick);
        Assert.Null(w.Snapshot());
        w.Record(2, 5, 1, 0.5f, 18 * tick);
        s = w.Snapshot()!;
        Assert.Equal((1, 2, 0.0), (s.Frames, s.ModelGeneration, s.FramesPerSecond));
        Assert.Equal(0.5, s.BadFrameRate);
        // A late frame of the old model does not reset the new one's figures.
        w.Record(1, 500, 400, 0.1f, 19 * tick);
        Assert.Equal((1, 2, 5.0), (w.Snapshot()!.Frames, w.Snapshot()!.ModelGeneration, w.Snapshot()!.TotalP95Ms));
    }

    [Fact]
    public void RecordingAFrameAllocatesNothing()
    {
        var w = new RecentFrameWindow(64);
        w.Record(1, 1, 1, 0.5f, 1); // JIT and lock set-up
        w.RecordBad(1, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            w.Record(1, i % 17, i % 5, 0.5f, i);
            w.RecordBad(1, i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void StatusReportsTheServingModelsRecentFramesAndResetsOnHotReload()
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("recent"));
        var options = new AgentOptions { Bundle = bundle, Source = new FrameSourceOptions { Kind = "synthetic", Width = 64, Height = 48, PixelFormat = "rgb" } };
        using var h = new Harness(options);
        using var reporter = new StatusReporter(options, h.Metrics, h.Models, NullLogger<StatusReporter>.Instance);
        Assert.True(h.Models.TryLoad());
        Assert.Null(reporter.Current.Recent);
        using var synthetic = new SyntheticFrameSource(options.Source);
        var predictions = new List<Processing.Prediction>();
        void Classify(int n)
        {
            using var cts = new CancellationTokenSource();
            int seen = 0;
            synthetic.Run(frame =>
            {
                predictions.Add(h.Processor.Process(frame)!);
                if (++seen == n) cts.Cancel();
            }, cts.Token);
        }
        Classify(30);
        var recent = reporter.Current.Recent!;
        Assert.Equal(30, recent.Frames);
        Assert.Equal(1, recent.ModelGeneration);
        Assert.Equal(predictions.Average(p => (double)p.Probabilities[0]), recent.MeanTop1Probability, 3);
        Assert.True(recent.TotalP95Ms >= recent.InferenceP95Ms && recent.InferenceP95Ms > 0, recent.ToString());
        Assert.True(recent.FramesPerSecond > 0, recent.ToString());
        Assert.Equal(0, recent.BadFrameRate);

        // The reloaded model's figures start from its own first frame.
        TinyClassifier.WriteBundle(bundle, size: 24, labels: ["cat", "dog", "bird"], seed: 7);
        Assert.True(h.Models.TryLoad());
        predictions.Clear();
        Classify(5);
        recent = reporter.Current.Recent!;
        Assert.Equal(5, recent.Frames);
        Assert.Equal(2, recent.ModelGeneration);
        Assert.Equal(predictions.Average(p => (double)p.Probabilities[0]), recent.MeanTop1Probability, 3);
        // The status JSON names the figures as the playbook reads them.
        string json = System.Text.Json.JsonSerializer.Serialize(reporter.Current, StatusReporter.Json);
        Assert.Contains("\"recent\": {", json);
        Assert.Contains("\"totalP95Ms\"", json);
        Assert.Contains("\"meanTop1Probability\"", json);
        Assert.Contains("\"modelGeneration\": 2", json);
        Assert.Contains("\"framesPerSecond\"", json);
        Assert.Contains("\"badFrameRate\"", json);
    }
}
