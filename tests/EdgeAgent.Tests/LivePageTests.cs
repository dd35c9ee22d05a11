using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The live page against a running agent with a synthetic source: over HTTP, and in real headless Chromium.</summary>
public sealed partial class LivePageTests
{
    private readonly ITestOutputHelper output;

    public LivePageTests(ITestOutputHelper output) => this.output = output;

    private static IHost StartAgent(string dir, int port, params string[] extra) => AgentHost.CreateBuilder([
        $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}",
        "--EdgeAgent:Source:Kind=synthetic", "--EdgeAgent:Source:Width=320", "--EdgeAgent:Source:Height=240",
        "--EdgeAgent:Source:PixelFormat=jpeg", "--EdgeAgent:Source:FramesPerSecond=60",
        "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false",
        $"--EdgeAgent:StatusFile={Path.Combine(dir, "status.json")}", "--EdgeAgent:ReloadPollSeconds=0",
        "--EdgeAgent:LivePage:Enabled=true", $"--EdgeAgent:LivePage:Port={port}", .. extra,
    ]).Build();

    private static async Task<JsonDocument> StateWithFrameAsync(HttpClient http, int port)
    {
        for (int i = 0; i < 1200; i++) // until the listener is up and a frame was copied (safety bound, not a timing assertion; 30 s was missed once in a full parallel run)
        {
            try
            {
                var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/state.json")));
                if (doc.RootElement.GetProperty("frame").ValueKind == JsonValueKind.Object) return doc;
                doc.Dispose();
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("the live page never showed a frame");
    }

    [Fact]
    public async Task Page_state_frame_and_model_input_are_served_over_http()
    {
        string dir = TestFiles.NewFolder("live-http");
        int port = Harness.FreePort();
        using var host = StartAgent(dir, port);
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var state = await StateWithFrameAsync(http, port);
            var root = state.RootElement;
            Assert.Equal("tiny-cnn", root.GetProperty("model").GetProperty("name").GetString());
            Assert.Equal(64, root.GetProperty("model").GetProperty("sha256").GetString()!.Length);
            Assert.Equal(1, root.GetProperty("model").GetProperty("generation").GetInt32());
            Assert.NotEqual(JsonValueKind.Null, root.GetProperty("model").GetProperty("loadedAt").ValueKind);
            var top = root.GetProperty("frame").GetProperty("top");
            Assert.Equal(3, top.GetArrayLength());
            Assert.Contains(top[0].GetProperty("label").GetString(), TinyClassifier.TenLabels);
            Assert.True(root.GetProperty("stages").GetProperty("inference").GetProperty("p99").GetDouble() > 0);

            string html = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"));
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
            Assert.Contains("const INTERVAL = 250,", html, StringComparison.Ordinal); // 4 updates a second by default

            byte[] frame = await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/frame"));
            Assert.Equal([0xFF, 0xD8], frame[..2]); // the source's own JPEG bytes
            using var input = SixLabors.ImageSharp.Image.Load(await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/input.png")));
            Assert.Equal((32, 32), (input.Width, input.Height)); // the model's resolution

            var missing = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/nothing"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Clients_share_one_encoding_per_snapshot_and_one_state_per_interval()
    {
        string dir = TestFiles.NewFolder("live-shared");
        int port = Harness.FreePort();
        using var host = StartAgent(dir, port, "--EdgeAgent:LivePage:UpdatesPerSecond=0.2"); // a snapshot every 5 s, state.json kept 2.5 s
        await host.StartAsync();
        try
        {
            var view = (Live.LiveView)host.Services.GetService(typeof(Live.LiveView))!;
            var endpoint = host.Services.GetServices<IHostedService>().OfType<Live.LivePageEndpoint>().Single();
            using var a = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var b = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using (await StateWithFrameAsync(a, port)) { }

            bool checkedImages = false;
            for (int attempt = 0; attempt < 10 && !checkedImages; attempt++)
            {
                long encoded = view.Encoded;
                var inputs = new List<byte[]>();
                var frames = new List<byte[]>();
                for (int i = 0; i < 10; i++)
                {
                    foreach (var http in new[] { a, b })
                    {
                        inputs.Add(await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/input.png?seq={i}")));
                        frames.Add(await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/frame?seq={i}")));
                    }
                }
                if (view.Encoded != encoded) continue; // a new snapshot arrived meanwhile (a slow machine): look again
                Assert.All(inputs, x => Assert.Equal(inputs[0], x));
                Assert.All(frames, x => Assert.Equal(frames[0], x));
                checkedImages = true;
            }
            Assert.True(checkedImages, "40 image requests never fitted between two snapshots");
            Assert.True(view.Encoded <= view.Snapshots, $"{view.Encoded} encodings for {view.Snapshots} copies");

            long builds = endpoint.StateBuilds;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                foreach (var http in new[] { a, b }) using (JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/state.json")))) { }
            }
            double lifetimes = clock.Elapsed.TotalSeconds / 2.5;
            long built = endpoint.StateBuilds - builds;
            Assert.True(built <= Math.Ceiling(lifetimes) + 1, $"20 polls in {clock.Elapsed.TotalSeconds:F1} s built state.json {built} times");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task No_frame_is_copied_while_no_client_watches()
    {
        string dir = TestFiles.NewFolder("live-idle");
        int port = Harness.FreePort();
        using var host = StartAgent(dir, port);
        await host.StartAsync();
        try
        {
            var view = (Live.LiveView)host.Services.GetService(typeof(Live.LiveView))!;
            var metrics = (Telemetry.AgentMetrics)host.Services.GetService(typeof(Telemetry.AgentMetrics))!;
            for (int i = 0; i < 300 && metrics.Processed < 20; i++) await Task.Delay(50);
            Assert.True(metrics.Processed >= 20);
            Assert.Equal(0, view.Snapshots);
            Assert.Null(view.Latest);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var _ = await StateWithFrameAsync(http, port);
            Assert.True(view.Snapshots >= 1);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Headless_chromium_shows_live_values_that_change()
    {
        string dir = TestFiles.NewFolder("live-chromium");
        int port = Harness.FreePort();
        using var host = StartAgent(dir, port);
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using (await StateWithFrameAsync(http, port)) { }
            string url = $"http://127.0.0.1:{port}/";
            string first = HeadlessChromium.DumpDom(url, virtualMilliseconds: 2500);
            string second = HeadlessChromium.DumpDom(url, virtualMilliseconds: 2500);
            output.WriteLine(second);
            foreach (string dom in new[] { first, second })
            {
                Assert.Equal("tiny-cnn", Cell(dom, "model-name"));
                Assert.Equal("fp32", Cell(dom, "precision"));
                Assert.Equal("1", Cell(dom, "generation"));
                Assert.True(int.Parse(Cell(dom, "updates"), System.Globalization.CultureInfo.InvariantCulture) >= 2, "the page polled at least twice");
                Assert.True(double.Parse(Cell(dom, "fps"), System.Globalization.CultureInfo.InvariantCulture) > 0);
                Assert.Matches(@"<td>(zero|one|two|three|four|five|six|seven|eight|nine)</td><td class=""n"">\d+\.\d%</td>", dom);
                Assert.Matches(@"id=""frame""[^>]*src=""frame\?seq=\d+""", dom);
                foreach (string stage in new[] { "decode", "preprocess", "inference", "total" })
                {
                    Assert.Matches($@"id=""cap-{stage}"">{stage}: p50 \d+\.\d\d ms, p99 \d+\.\d\d ms", dom);
                    Assert.Matches($@"<svg id=""chart-{stage}""[^>]*>.*<polyline points=""[\d., ]+"" fill=""none"" stroke=""#d62728""", dom);
                }
            }
            long seq1 = Sequence(first), seq2 = Sequence(second);
            Assert.True(seq2 > seq1, $"the frame shown changed ({seq1} then {seq2})");
            Assert.NotEqual(Cell(first, "processed"), Cell(second, "processed"));

            string png = Path.Combine(HeadlessChromium.ArtefactFolder, "live-page.png");
            HeadlessChromium.Screenshot(url, png, virtualMilliseconds: 2500);
            output.WriteLine($"screenshot: {png}");
            using var shot = SixLabors.ImageSharp.Image.Load(png);
            Assert.Equal(1200, shot.Width);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static string Cell(string dom, string id)
    {
        var m = Regex.Match(dom, $@"id=""{id}""[^>]*>([^<]*)<");
        Assert.True(m.Success, $"element #{id} not in the DOM");
        return WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    private static long Sequence(string dom)
    {
        var m = SeqPattern().Match(dom);
        Assert.True(m.Success, "no frame sequence shown");
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"id=""seq"">#(\d+)<")]
    private static partial Regex SeqPattern();
}
