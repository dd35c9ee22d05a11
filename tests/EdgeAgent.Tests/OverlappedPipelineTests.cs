using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The decode stage and the inference stage on their own threads (EdgeAgent:OverlapDecode).</summary>
public class OverlappedPipelineTests(ITestOutputHelper output)
{
    private static readonly string[] Animals = ["cat", "dog", "bird"];
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60); // safety net only, never a timing assertion

    [Theory]
    [InlineData(false, true, 2)]
    [InlineData(true, true, 2)]
    [InlineData(true, true, 4)]
    [InlineData(true, false, 2)]
    public async Task EveryFrameIsClassifiedDroppedOrBadAndPredictionsKeepFrameOrder(bool live, bool overlap, int buffers)
    {
        var good = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg);
        var frames = new List<byte[]>();
        var badIndices = new HashSet<long>();
        for (int i = 0; i < 400; i++)
        {
            if (i % 7 == 3) { frames.Add("not an image"u8.ToArray()); badIndices.Add(i); }
            else if (i % 13 == 5) { frames.Add([]); badIndices.Add(i); }
            else frames.Add(good[i % good.Count]);
        }
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(TestFiles.NewFolder("order"), "bundle")),
            OverlapDecode = overlap,
            InputBuffers = buffers,
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        using var source = new ScriptedFrameSource(frames, live);
        long returned = await h.RunAsync(source, 0).WaitAsync(HangGuard);

        var m = h.Metrics;
        output.WriteLine($"live {live}, overlap {overlap}, buffers {buffers}: classified {m.Processed}, dropped {m.Dropped}, bad {m.Bad}");
        Assert.Equal(frames.Count, source.Delivered);
        Assert.Equal(frames.Count, m.Processed + m.Dropped + m.Bad);
        Assert.Equal(m.Processed + m.Bad, returned);
        Assert.Equal(m.Processed, h.Predictions.Count);
        if (!live)
        {
            Assert.Equal(0, m.Dropped);
            Assert.Equal(frames.Count - badIndices.Count, m.Processed);
            Assert.Equal(badIndices.Count(i => i % 7 == 3), m.BadByReason["unknown-format"]);
            Assert.Equal(badIndices.Count(i => i % 7 != 3), m.BadByReason["empty"]);
        }
        var sequences = h.Predictions.Select(p => p.Sequence).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        Assert.DoesNotContain(sequences, badIndices.Contains);
        // Every stage is recorded once per classified frame, and the stages add up to the total.
        var stages = m.Totals();
        foreach (var stage in stages.Values) Assert.Equal(m.Processed, stage.Count);
        double parts = new[] { "wait", "decode", "preprocess", "inference" }.Sum(s => stages[s].Mean);
        Assert.InRange(stages["total"].Mean, parts * 0.95, parts * 1.05 + 0.01);
        Assert.Equal(0, source.StillRented());
    }

    [Fact]
    public async Task OverlappedStagesGiveTheSamePredictionsAsOneThread()
    {
        var frames = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg);
        string bundle = TinyClassifier.WriteBundle(Path.Combine(TestFiles.NewFolder("same"), "bundle"));
        async Task<List<Prediction>> Classify(bool overlap, int buffers)
        {
            using var h = new Harness(new AgentOptions { Bundle = bundle, OverlapDecode = overlap, InputBuffers = buffers });
            Assert.True(h.Models.TryLoad());
            using var source = new ScriptedFrameSource(frames, live: false);
            await h.RunAsync(source, 0).WaitAsync(HangGuard);
            return h.Predictions;
        }
        var serial = await Classify(false, 2);
        Assert.Equal(frames.Count, serial.Count);
        // The frames differ (testsrc moves), so a buffer overwritten before its run would show here.
        Assert.True(serial.Select(p => p.Probabilities[0]).Distinct().Count() > 1);
        foreach (int buffers in new[] { 2, 3 })
        {
            var overlapped = await Classify(true, buffers);
            Assert.Equal(serial.Select(p => p.Sequence), overlapped.Select(p => p.Sequence));
            for (int i = 0; i < serial.Count; i++)
            {
                Assert.Equal(serial[i].Indices, overlapped[i].Indices);
                Assert.Equal(serial[i].Probabilities, overlapped[i].Probabilities);
            }
        }
    }

    [Fact]
    public async Task AFramePreparedForTheOldModelFinishesOnItWhenAModelWithAnotherInputSizeIsSwappedIn()
    {
        // Frame k+1 is preprocessed (32x32 input) and waiting for inference while frame k's prediction
        // callback swaps in a 24x24 model with other labels. It must run on the old model, never on the
        // new one; frames decoded after the swap use the new model.
        const int k = 10, capacity = 2;
        var frames = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg).Take(40).ToList();
        string bundle = TinyClassifier.WriteBundle(Path.Combine(TestFiles.NewFolder("reload-stage"), "bundle"), size: 32);
        var options = new AgentOptions { Bundle = bundle, ChannelCapacity = capacity, InputBuffers = 2 };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        using var source = new ScriptedFrameSource(frames, live: false);
        bool swapped = false;
        string? swapError = null;
        h.AfterPrediction = p =>
        {
            if (p.Sequence != k) return;
            // Capture handing over frame k+3+capacity means the channel let frame k+2 go, and the decode
            // thread takes k+2 only after frame k+1 is prepared and handed to this (blocked) inference thread.
            var until = DateTime.UtcNow + HangGuard;
            while (source.Delivering < k + 3 + capacity && DateTime.UtcNow < until) Thread.Sleep(1);
            TinyClassifier.WriteBundle(bundle, size: 24, labels: Animals, seed: 7);
            swapped = h.Models.TryLoad();
            swapError = h.Models.LastError;
        };
        long returned = await h.RunAsync(source, 0).WaitAsync(HangGuard);

        Assert.True(swapped, swapError);
        Assert.Equal(2, h.Models.Generation);
        Assert.Equal(frames.Count, returned);
        Assert.Equal(0, h.Metrics.Bad);
        Assert.Equal(frames.Count, h.Predictions.Count);
        var bySequence = h.Predictions.ToDictionary(p => p.Sequence);
        for (int i = 0; i <= k + 1; i++) Assert.All(bySequence[i].Labels, l => Assert.Contains(l, TinyClassifier.TenLabels));
        for (int i = k + 3; i < frames.Count; i++) Assert.All(bySequence[i].Labels, l => Assert.Contains(l, Animals));
        Assert.Equal(0, source.StillRented());
    }

    [Fact]
    public async Task CancellingWhileBothStagesAreBusyStopsAndReturnsEveryBuffer()
    {
        // 640x480 JPEGs (decode takes milliseconds) into a model whose run takes milliseconds too.
        var jpegs = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg);
        var frames = Enumerable.Range(0, 5000).Select(i => jpegs[i % jpegs.Count]).ToList();
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(TestFiles.NewFolder("cancel"), "bundle"), size: 96, convs: [(16, 1), (16, 1), (16, 1)]),
            InputBuffers = 3,
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        using var source = new ScriptedFrameSource(frames, live: false);
        using var cts = new CancellationTokenSource();
        var run = h.RunAsync(source, 0, cts.Token);
        var until = DateTime.UtcNow + HangGuard;
        while (h.Metrics.Processed < 10 && DateTime.UtcNow < until) await Task.Delay(5);
        await cts.CancelAsync();
        long returned = await run.WaitAsync(HangGuard);

        output.WriteLine($"stopped after {returned} frame(s), {source.Delivered} delivered");
        Assert.True(returned >= 10);
        Assert.Equal(h.Metrics.Processed + h.Metrics.Bad, returned);
        Assert.Equal(0, h.Metrics.Bad);
        Assert.True(source.Delivered < frames.Count);
        Assert.Equal(0, source.StillRented());
        var sequences = h.Predictions.Select(p => p.Sequence).ToList();
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
        // The model is free again: a reload retires the old runner and the new one serves.
        TinyClassifier.WriteBundle(options.Bundle, size: 24, labels: Animals, seed: 5);
        Assert.True(h.Models.TryLoad());
        Assert.NotNull(h.Processor.Process(Frames.Frame.Copy(jpegs[0], Frames.FrameFormat.Encoded, 0, 0, 0)));
    }
}
