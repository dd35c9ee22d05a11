using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>
/// The service comes back: bad bundles are refused and reported while the service keeps watching, source
/// faults are retried, special files in a folder source are counted and skipped, NaN logits are a named fault.
/// </summary>
public class ServiceSurvivalTests
{
    private static void EditManifest(string bundle, Action<JsonObject> edit)
    {
        string path = Path.Combine(bundle, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    public static TheoryData<string, string, string> BadManifests => new()
    {
        { "labels", "null", "labels is null" },
        { "inputShape", "null", "inputShape is null" },
        { "mean", "null", "mean is null" },
        { "modelFile", "null", "modelFile is null or empty" },
        { "inputShape", "[-1, 3, 65536, 65536]", "height and width must be 1..8192, got 65536x65536" },
        { "modelFile", "\"/dev/zero\"", "must be a plain file name" },
        { "modelFile", "\"../model.onnx\"", "must be a plain file name" },
        { "std", "[1e-12, 1, 1]", "std[0]" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Bad_bundle_is_refused_reported_and_a_later_good_one_loads(string field, string json, string expected)
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("refuse"));
        string good = File.ReadAllText(Path.Combine(bundle, "manifest.json"));
        EditManifest(bundle, m => m[field] = JsonNode.Parse(json));
        using var h = new Harness(new AgentOptions { Bundle = bundle });

        Assert.False(h.Models.TryLoad());

        Assert.False(h.Models.IsLoaded);
        Assert.Contains(expected, h.Models.LastError);
        Assert.Contains("manifest.json", h.Models.LastError);
        Assert.Equal(1, h.Metrics.ModelLoadsRefused);

        File.WriteAllText(Path.Combine(bundle, "manifest.json"), good);
        File.SetLastWriteTimeUtc(Path.Combine(bundle, "manifest.json"), DateTime.UtcNow.AddSeconds(5));
        Assert.True(h.Models.TryLoad());
        Assert.Null(h.Models.LastError);
    }

    [Fact]
    public void Load_that_runs_past_the_timeout_is_refused_and_later_loads_still_happen()
    {
        string bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("timeout"));
        var options = new AgentOptions { Bundle = bundle, ReloadTimeoutSeconds = 1e-6 };
        using var h = new Harness(options);

        Assert.False(h.Models.TryLoad());
        Assert.Contains("loading took longer than", h.Models.LastError);
        Assert.Contains("EdgeAgent:ReloadTimeoutSeconds", h.Models.LastError);

        options.ReloadTimeoutSeconds = 120;
        File.SetLastWriteTimeUtc(Path.Combine(bundle, "manifest.json"), DateTime.UtcNow.AddSeconds(5));
        Assert.True(h.Models.TryLoad());
    }

    [Fact]
    public async Task Folder_source_counts_special_oversized_and_empty_files_and_delivers_the_good_ones()
    {
        string images = TestFiles.NewFolder("special");
        byte[] jpeg = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg)[0];
        File.WriteAllBytes(Path.Combine(images, "a-good.jpg"), jpeg);
        File.WriteAllBytes(Path.Combine(images, "b-huge.jpg"), new byte[jpeg.Length + 100_000]);
        File.WriteAllBytes(Path.Combine(images, "c-empty.jpg"), []);
        File.CreateSymbolicLink(Path.Combine(images, "d-zero.jpg"), "/dev/zero");
        MakeFifo(Path.Combine(images, "e-fifo.jpg"));
        File.WriteAllBytes(Path.Combine(images, "f-good.jpg"), jpeg);
        var bad = new List<string>();
        var options = new FrameSourceOptions { Kind = "folder", Path = images, Loop = false, MaxFrameBytes = jpeg.Length + 1000 };
        using var source = new FolderFrameSource(options, NullLogger.Instance, new SourceEvents { BadFrame = r => { lock (bad) bad.Add(r); } });
        int frames = 0;

        var run = Task.Run(() => source.Run(f => { frames++; f.Dispose(); }, CancellationToken.None));
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(2)));

        Assert.Same(run, finished); // a FIFO or /dev/zero never blocks the source
        Assert.Equal(2, frames);
        Assert.Equal(["empty", "empty", "empty", "oversize"], bad.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Source_that_throws_is_a_counted_fault_retried_with_back_off()
    {
        byte[] jpeg = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg)[0];
        using var h = new Harness(new AgentOptions { Bundle = TinyClassifier.WriteBundle(TestFiles.NewFolder("fault")) });
        Assert.True(h.Models.TryLoad());
        using var source = new FaultySource(jpeg, faults: 2);
        var pipeline = new AgentPipeline(source, h.Processor, h.Metrics, NullLogger.Instance, 2)
        {
            SourceRetryInitial = TimeSpan.FromMilliseconds(10),
            SourceRetryMax = TimeSpan.FromMilliseconds(20),
        };

        long processed = await pipeline.RunAsync(0, CancellationToken.None);

        Assert.Equal(3, source.Runs);
        Assert.Equal(2, h.Metrics.Restarts);
        Assert.Equal(3, processed);
        Assert.Null(pipeline.Failure);
    }

    [Theory]
    [InlineData(float.NaN, 1)]
    [InlineData(float.PositiveInfinity, 2)]
    [InlineData(float.NegativeInfinity, 0)]
    public void Non_finite_logits_are_found_and_never_ranked(float value, int at)
    {
        float[] logits = [1f, 2f, 3f];
        logits[at] = value;

        Assert.Equal(at, TopK.FirstNonFinite(logits));
        Assert.Contains($"logit {at}", Assert.Throws<ArgumentException>(() => TopK.Compute(logits, 2)).Message);
        Assert.Null(TopK.FirstNonFinite([1f, -1e30f, 3f]));
    }

    internal static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>Throws an unexpected exception on its first <c>faults</c> runs, then delivers one frame per run... and ends.</summary>
    private sealed class FaultySource(byte[] jpeg, int faults) : IFrameSource
    {
        public int Runs { get; private set; }

        public string Description => "faulty";

        public bool IsLive => false;

        public void Run(Action<Frame> deliver, CancellationToken cancellationToken)
        {
            Runs++;
            deliver(Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, Runs));
            if (Runs <= faults) throw new UnauthorizedAccessException($"injected fault {Runs}");
        }

        public void Dispose() { }
    }
}

[CollectionDefinition(nameof(ExitCodeCollection), DisableParallelization = true)]
public sealed class ExitCodeCollection;

/// <summary>Exit codes (process-wide <see cref="Environment.ExitCode"/>, so these run alone).</summary>
[Collection(nameof(ExitCodeCollection))]
public class AgentExitCodeTests
{
    private static async Task<int> RunHost(string[] args, BenchRequest? bench = null)
    {
        Environment.ExitCode = 0;
        try
        {
            using var host = AgentHost.CreateBuilder(args, bench).Build();
            var run = host.RunAsync();
            Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(3))));
            await run;
            return Environment.ExitCode;
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }

    [Fact]
    public async Task Bench_on_an_empty_folder_ends_after_the_idle_time_with_code_3()
    {
        string dir = TestFiles.NewFolder("bench-empty");
        string images = Directory.CreateDirectory(Path.Combine(dir, "images")).FullName;
        var clock = Stopwatch.StartNew();

        int code = await RunHost([
            $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}",
            "--EdgeAgent:Source:Kind=folder", $"--EdgeAgent:Source:Path={images}", "--EdgeAgent:BenchIdleSeconds=1",
            $"--EdgeAgent:BenchReportFile={Path.Combine(dir, "bench.json")}",
        ], new BenchRequest(10));

        Assert.Equal(AgentExitCodes.NoFramesClassified, code);
    }

    [Fact]
    public async Task Bench_where_every_frame_fails_exits_non_zero()
    {
        string dir = TestFiles.NewFolder("bench-bad");
        string images = Directory.CreateDirectory(Path.Combine(dir, "images")).FullName;
        for (int i = 0; i < 3; i++) File.WriteAllText(Path.Combine(images, $"f{i}.jpg"), "not a jpeg at all");

        int code = await RunHost([
            $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}",
            "--EdgeAgent:Source:Kind=folder", $"--EdgeAgent:Source:Path={images}", "--EdgeAgent:Source:Loop=false",
            $"--EdgeAgent:BenchReportFile={Path.Combine(dir, "bench.json")}",
        ], new BenchRequest(3));

        Assert.Equal(AgentExitCodes.NoFramesClassified, code);
    }

    [Fact]
    public async Task Unexpected_fatal_error_in_the_service_exits_non_zero()
    {
        // The results file cannot be created (its folder would be under /proc): not a bundle or source fault.
        string dir = TestFiles.NewFolder("fatal");
        int code = await RunHost([
            $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}",
            "--EdgeAgent:Source:Kind=synthetic", "--EdgeAgent:Source:PixelFormat=rgb", "--EdgeAgent:ResultsFile=/proc/no-such-dir/results.jsonl",
            "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false",
            $"--EdgeAgent:StatusFile={Path.Combine(dir, "status.json")}",
        ]);

        Assert.Equal(AgentExitCodes.Fatal, code);
    }

    [Fact]
    public async Task Bad_bundle_does_not_stop_the_service()
    {
        string dir = TestFiles.NewFolder("alive");
        string bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"));
        string manifest = Path.Combine(bundle, "manifest.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"labels\": [", "\"labels\": null, \"x\": [", StringComparison.Ordinal));
        using var host = AgentHost.CreateBuilder([
            $"--EdgeAgent:Bundle={bundle}", "--EdgeAgent:Source:Kind=synthetic", "--EdgeAgent:Source:PixelFormat=rgb",
            "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false",
            $"--EdgeAgent:StatusFile={Path.Combine(dir, "status.json")}", "--EdgeAgent:SummarySeconds=0.2",
        ]).Build();
        await host.StartAsync();
        var lifetime = (IHostApplicationLifetime)host.Services.GetService(typeof(IHostApplicationLifetime))!;
        for (int i = 0; i < 100 && !File.Exists(Path.Combine(dir, "status.json")); i++) await Task.Delay(100);
        await Task.Delay(500);

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        string status = File.ReadAllText(Path.Combine(dir, "status.json"));
        Assert.Contains("modelError", status);
        Assert.Contains("labels is null", status);
        await host.StopAsync();
        Assert.Equal(0, Environment.ExitCode);
    }
}
