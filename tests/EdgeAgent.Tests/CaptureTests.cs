using System.Text.Json;
using EdgeToolkit.EdgeAgent.Capture;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>Frame capture for the next dataset: rules, layout, original bytes, the disk budget, and never blocking inference.</summary>
public class CaptureTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60); // safety net only

    private static FrameCapture NewCapture(CaptureOptions options) => new(options, NullLogger<FrameCapture>.Instance);

    private static List<byte[]> SourceFrames(FrameSourceOptions source, int count)
    {
        var frames = new List<byte[]>();
        using var s = new SyntheticFrameSource(source);
        using var stop = new CancellationTokenSource();
        s.Run(f =>
        {
            using (f) frames.Add(f.Data.ToArray());
            if (frames.Count == count) stop.Cancel();
        }, stop.Token);
        return frames;
    }

    [Fact]
    public async Task Every_nth_jpeg_frame_is_saved_with_its_original_bytes_under_its_predicted_label()
    {
        string dir = TestFiles.NewFolder("capture-nth");
        string root = Path.Combine(dir, "captures");
        var source = new FrameSourceOptions { Kind = "synthetic", PixelFormat = "jpeg", Width = 160, Height = 120 };
        var options = new AgentOptions { Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")), Source = source };
        var capture = NewCapture(new CaptureOptions { Folder = root, EveryNthFrame = 5 });
        using (var h = new Harness(options, capture))
        {
            Assert.True(h.Models.TryLoad());
            await h.RunAsync(40).WaitAsync(HangGuard);
            capture.Dispose(); // waits for the writer
            Assert.Equal(8, capture.Saved);
            Assert.Equal(0, capture.Dropped);
            var predictions = h.Predictions.ToDictionary(p => p.Sequence);
            var frames = SourceFrames(source, 40);
            string[] lines = File.ReadAllLines(Path.Combine(root, FrameCapture.IndexFile));
            Assert.Equal(8, lines.Length);
            foreach (string line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                long seq = r.GetProperty("frame").GetInt64();
                Assert.Equal(0, seq % 5);
                Assert.Equal("every-nth", r.GetProperty("rule").GetString());
                string file = Path.Combine(root, r.GetProperty("file").GetString()!);
                Assert.Equal(predictions[seq].Labels[0], Path.GetFileName(Path.GetDirectoryName(file)));
                Assert.Matches(@"^\d{8}T\d{6}\.\d{3}Z-\d{8}\.jpg$", Path.GetFileName(file));
                Assert.Equal(frames[(int)seq - 1], File.ReadAllBytes(file)); // no re-encode
                Assert.Equal(3, r.GetProperty("top").GetArrayLength());
                Assert.True(r.GetProperty("ms").GetProperty("total").GetDouble() > 0);
                Assert.True(r.GetProperty("ms").GetProperty("inference").GetDouble() > 0);
            }
            Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task Low_confidence_raw_frames_are_encoded_as_jpeg_and_readable_by_the_image_folder_reader()
    {
        string dir = TestFiles.NewFolder("capture-low");
        string root = Path.Combine(dir, "captures");
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")),
            Source = new FrameSourceOptions { Kind = "synthetic", PixelFormat = "rgb", Width = 96, Height = 64 },
        };
        var capture = NewCapture(new CaptureOptions { Folder = root, BelowProbability = 1, QueueCapacity = 64 });
        using (var h = new Harness(options, capture))
        {
            Assert.True(h.Models.TryLoad());
            await h.RunAsync(20).WaitAsync(HangGuard);
            capture.Dispose();
        }
        Assert.Equal(20, capture.Saved + capture.Dropped);
        Assert.True(capture.Saved > 0);
        var images = Directory.GetFiles(root, "*.jpg", SearchOption.AllDirectories);
        Assert.Equal(capture.Saved, images.Length);
        using (var image = SixLabors.ImageSharp.Image.Load(images[0]))
            Assert.Equal((96, 64), (image.Width, image.Height));
        Assert.All(File.ReadAllLines(Path.Combine(root, FrameCapture.IndexFile)),
            l => Assert.Contains("\"rule\":\"low-confidence\"", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Chosen_labels_are_captured_and_others_are_not()
    {
        var capture = NewCapture(new CaptureOptions { Folder = TestFiles.NewFolder("capture-label"), Labels = ["cat"] });
        using (capture)
        {
            Assert.Equal("label", capture.Rule(new Prediction(1, ["cat", "dog"], [0.9f, 0.1f], [0, 1], 1)));
            Assert.Null(capture.Rule(new Prediction(2, ["dog", "cat"], [0.9f, 0.1f], [1, 0], 1)));
        }
    }

    [Fact]
    public void The_disk_budget_is_a_ring_that_deletes_the_oldest_captures()
    {
        string root = TestFiles.NewFolder("capture-ring");
        // A file of someone else's in a label folder: never counted, never deleted.
        Directory.CreateDirectory(Path.Combine(root, "cat"));
        File.WriteAllBytes(Path.Combine(root, "cat", "mine.jpg"), new byte[300_000]);
        var capture = NewCapture(new CaptureOptions { Folder = root, EveryNthFrame = 1, BudgetMegabytes = 1, QueueCapacity = 1024 });
        byte[] jpeg = new byte[100_000];
        jpeg[0] = 0xFF; jpeg[1] = 0xD8;
        var manifest = new BundleManifest { Labels = ["cat", "dog"], InputShape = [1, 1, 2, 2], Mean = [0f], Std = [1f] };
        using (capture)
        {
            for (int i = 1; i <= 30; i++)
            {
                var p = new Prediction(i, ["cat", "dog"], [0.6f, 0.4f], [0, 1], 1);
                capture.OnFrame(new FrameObservation(p, new StageTimes(0, 1, 1, 1, 3), manifest, new float[4], jpeg, FrameFormat.Encoded, 0, 0));
                SpinWait.SpinUntil(() => capture.Saved == i, HangGuard);
            }
            Assert.Equal(30, capture.Saved);
            Assert.True(capture.BytesOnDisk <= 1024 * 1024, $"{capture.BytesOnDisk} bytes on disk");
        }
        var kept = Directory.GetFiles(Path.Combine(root, "cat"), "*-*.jpg").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.InRange(kept.Count, 9, 10); // 1 MiB holds ten 100 kB images less the index
        Assert.EndsWith("-00000030.jpg", kept[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(kept, k => k.EndsWith("-00000001.jpg", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(root, "cat", "mine.jpg")));

        // A restart counts what is there: the next capture still keeps the budget.
        using var again = NewCapture(new CaptureOptions { Folder = root, EveryNthFrame = 1, BudgetMegabytes = 1 });
        Assert.True(again.BytesOnDisk > 900_000);
    }

    [Fact]
    public void A_full_queue_drops_and_counts_instead_of_waiting_and_write_errors_are_survived()
    {
        string root = TestFiles.NewFolder("capture-full");
        File.WriteAllText(Path.Combine(root, "dog"), "a file where the label folder would go");
        var capture = NewCapture(new CaptureOptions { Folder = root, EveryNthFrame = 1, QueueCapacity = 1 });
        var manifest = new BundleManifest { Labels = ["cat", "dog"], InputShape = [1, 1, 2, 2], Mean = [0f], Std = [1f] };
        byte[] jpeg = new byte[50_000];
        jpeg[0] = 0xFF; jpeg[1] = 0xD8;
        using (capture)
        {
            for (int i = 1; i <= 3; i++)
            {
                capture.OnFrame(new FrameObservation(new Prediction(i, ["dog"], [0.5f], [0], 1), default, manifest, new float[4], jpeg, FrameFormat.Encoded, 0, 0));
                SpinWait.SpinUntil(() => capture.Saved + capture.Dropped == i, HangGuard);
            }
            for (int i = 4; i <= 2000; i++)
            {
                var p = new Prediction(i, ["cat"], [0.5f], [0], 1);
                capture.OnFrame(new FrameObservation(p, default, manifest, new float[4], jpeg, FrameFormat.Encoded, 0, 0));
            }
        }
        Assert.True(capture.DroppedByReason.GetValueOrDefault("queue-full") > 0, "the tight loop outran the disk");
        Assert.Equal(3, capture.DroppedByReason.GetValueOrDefault("write-error")); // 'dog' cannot be a folder
        Assert.True(capture.Saved > 0);
        Assert.Equal(2000, capture.Saved + capture.Dropped);
    }

    [Theory]
    [InlineData("cat", "cat")]
    [InlineData("a/b", "a_b")]
    [InlineData("..", "_")]
    [InlineData("  ", "_")]
    public void Labels_become_safe_folder_names(string label, string folder) => Assert.Equal(folder, FrameCapture.FolderName(label));
}
