using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Live;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>What a connected page costs the inference thread: a copy at the page's rate into a reused buffer, encoding on another thread, once per snapshot.</summary>
public sealed class LiveViewTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30); // safety bound, never a timing assertion
    private static readonly BundleManifest Grey = new() { Labels = ["cat", "dog"], InputShape = [1, 1, 2, 2], Mean = [0.5f], Std = [0.25f] };

    private static FrameObservation Observation(long sequence, byte[] frame, FrameFormat format = FrameFormat.Encoded, int width = 0, int height = 0,
        BundleManifest? manifest = null, float[]? input = null) =>
        new(new Prediction(sequence, ["cat", "dog"], [0.75f, 0.25f], [0, 1], 1), new StageTimes(0.1, 1, 0.5, 2, 4), manifest ?? Grey,
            input ?? [1f, 0f, -3f, 3f], frame, format, width, height);

    private static byte[] Jpeg(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 30, 90));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();
    }

    [Fact]
    public async Task A_slow_encoder_never_blocks_the_inference_thread_and_due_copies_are_skipped_meanwhile()
    {
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        int encoderThread = 0, calls = 0;
        LiveSnapshot SlowEncode(LiveFrameCopy copy, long version)
        {
            encoderThread = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref calls);
            entered.Set();
            gate.Wait(HangGuard);
            return LiveSnapshot.Encode(copy, version);
        }
        using var view = new LiveView(new LivePageOptions { UpdatesPerSecond = 10 }, encode: SlowEncode);
        byte[] jpeg = Jpeg(64, 48);

        // Nobody watches: no copy is due, whatever the frames.
        Assert.False(view.WantsFrameBytes(1));
        view.OnFrame(Observation(1, jpeg));
        Assert.Equal(0, view.Snapshots);

        view.ClientSeen();
        Assert.True(view.WantsFrameBytes(2));
        view.OnFrame(Observation(2, jpeg));
        Assert.Equal(1, view.Snapshots);
        Assert.True(entered.Wait(HangGuard), "the encoder thread took the copy");
        Assert.NotEqual(Environment.CurrentManagedThreadId, encoderThread);

        Thread.Sleep(150); // past the 100 ms update interval: the next copy is due, but the encoder is still busy
        Assert.False(view.WantsFrameBytes(3), "no frame bytes are kept for a copy that cannot be taken");
        await Task.Run(() => view.OnFrame(Observation(3, jpeg))).WaitAsync(HangGuard); // returns while the encoder is blocked
        Assert.Equal(1, view.Skipped);
        Assert.Equal(1, view.Snapshots);
        Assert.Null(view.Latest);

        Assert.False(gate.IsSet);
        gate.Set();
        Assert.True(SpinWait.SpinUntil(() => view.Latest is not null, HangGuard));
        Assert.Equal(2, view.Latest!.Sequence);
        Assert.Equal(1, view.Latest.Version);
        Assert.Equal(1, view.Encoded);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void A_jpeg_frame_is_served_as_the_source_bytes_and_each_snapshot_is_encoded_once()
    {
        int calls = 0;
        using var view = new LiveView(new LivePageOptions { UpdatesPerSecond = 0.2 }, encode: (copy, version) =>
        {
            Interlocked.Increment(ref calls);
            return LiveSnapshot.Encode(copy, version);
        });
        byte[] jpeg = Jpeg(64, 48);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        view.ClientSeen();
        view.OnFrame(Observation(7, jpeg));
        Assert.True(SpinWait.SpinUntil(() => view.Latest is not null, HangGuard));
        var snapshot = view.Latest!;
        Assert.Equal("image/jpeg", snapshot.FrameImage.ContentType);
        Assert.Equal(jpeg, snapshot.FrameImage.Body); // passed through, not re-encoded
        Assert.Equal(new[] { "cat", "dog" }, snapshot.Labels);

        // Frames within the update interval (5 s) are not copied; reading the snapshot again encodes nothing.
        for (int i = 8; i < 50; i++) view.OnFrame(Observation(i, jpeg));
        for (int i = 0; i < 5; i++)
        {
            Assert.Same(snapshot.InputImage, view.Latest!.InputImage);
            Assert.Same(snapshot.FrameImage.Body, view.Latest.FrameImage.Body);
        }
        Assert.True(SpinWait.SpinUntil(() => view.Encoded == view.Snapshots, HangGuard));
        Assert.Equal(view.Snapshots, calls); // one encoding per copy
        Assert.InRange(view.Snapshots, 1, 1 + (long)(clock.Elapsed.TotalSeconds / 5)); // a copy per interval, not per frame
    }

    [Fact]
    public void The_model_input_is_de_normalised_and_raw_frames_are_encoded_as_jpeg()
    {
        using var view = new LiveView(new LivePageOptions { UpdatesPerSecond = 10 });
        var rgb = new byte[32 * 24 * 3];
        for (int i = 0; i < rgb.Length; i += 3) (rgb[i], rgb[i + 1], rgb[i + 2]) = (250, 10, 10);
        view.ClientSeen();
        view.OnFrame(Observation(1, rgb, FrameFormat.Rgb24, 32, 24));
        Assert.True(SpinWait.SpinUntil(() => view.Latest is not null, HangGuard));

        var (type, body) = view.Latest!.FrameImage;
        Assert.Equal("image/jpeg", type);
        using (var frame = Image.Load<Rgb24>(body))
        {
            Assert.Equal((32, 24), (frame.Width, frame.Height));
            Assert.InRange((int)frame[16, 12].R, 220, 255); // red stays red
            Assert.InRange((int)frame[16, 12].G, 0, 40);
        }
        // Grey model, mean 0.5, std 0.25: x -> (x * 0.25 + 0.5) * 255, clamped.
        using var input = Image.Load<Rgb24>(view.Latest.InputImage);
        Assert.Equal((2, 2), (input.Width, input.Height));
        Assert.Equal(new Rgb24(191, 191, 191), input[0, 0]); // 1
        Assert.Equal(new Rgb24(128, 128, 128), input[1, 0]); // 0 -> 127.5, rounded to even
        Assert.Equal(new Rgb24(0, 0, 0), input[0, 1]);       // -3 -> clamped
        Assert.Equal(new Rgb24(255, 255, 255), input[1, 1]); // 3 -> clamped
    }

    [Fact]
    public void Helper_threads_run_below_the_pipeline_priority()
    {
        Assert.True(OperatingSystem.IsLinux(), "the agent's target is Linux; nice values are read from /proc");
        int creator = OwnNice(), helper = int.MinValue;
        var thread = LowPriorityThread.Start("edge-test-prio", () => helper = OwnNice());
        Assert.True(thread.Join(HangGuard));
        Assert.Equal(Math.Min(19, creator + LowPriorityThread.NiceIncrement), helper);
        Assert.Equal(creator, OwnNice()); // the creating thread (like the inference thread) keeps its priority

        int expected = Math.Min(19, Nice(File.ReadAllText("/proc/self/stat")) + LowPriorityThread.NiceIncrement);
        using var view = new LiveView(new LivePageOptions());
        Assert.True(SpinWait.SpinUntil(() => NiceOfThreadsNamed("edge-live-enc").Contains(expected), HangGuard),
            $"the live page's encoder thread runs at nice {expected}; found {string.Join(", ", NiceOfThreadsNamed("edge-live-enc"))}");
    }

    // The calling thread's nice value.
    private static int OwnNice() => Nice(File.ReadAllText("/proc/thread-self/stat"));

    private static List<int> NiceOfThreadsNamed(string name)
    {
        var found = new List<int>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == name) found.Add(Nice(File.ReadAllText(Path.Combine(task, "stat"))));
            }
            catch (IOException) { } // the thread ended meanwhile
        }
        return found;
    }

    // Field 19 of /proc/.../stat (the fields after the command name in parentheses start at field 3).
    private static int Nice(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
}
