using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Rollout;
using EdgeToolkit.EdgeAgent.Telemetry;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>
/// The canary gate's comparison (one row per figure: a canary that is slower, less confident, slower in frames/s, refuses
/// more frames, or is fine) and <c>EdgeAgent --canary-gate</c> against a real HTTP health endpoint.
/// </summary>
public class CanaryGateTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static AgentStatus Status(double total = 10, double inference = 5, double top1 = 0.9, double fps = 30, double bad = 0,
        int frames = 200, bool healthy = true, string sha = Sha, int generation = 1, string? modelError = null) => new()
        {
            Healthy = healthy,
            ModelError = modelError,
            Model = new ModelInfo("/var/lib/edgeagent/models/current", "tiny-cnn", Precision.Int8, [1, 3, 32, 32], sha, generation),
            Recent = new RecentFrames(frames, generation, total, inference, top1, fps, bad),
        };

    private static CanaryGateOptions Ansible(string? sha = null) => new() { Names = GateSettingNames.Ansible, MinFrames = 100, Sha256 = sha };

    [Theory]
    [InlineData("fine", "")]
    [InlineData("slower", "total p95 30.000 ms is 200% above the 10.000 ms before the update (limit +25% + 1.0 ms, edgeagent_gate_p95_increase_percent); "
        + "inference p95 25.000 ms is 400% above the 5.000 ms before the update (limit +25% + 1.0 ms, edgeagent_gate_p95_increase_percent)")]
    [InlineData("less confident", "mean top-1 probability 0.300 fell by 0.600 from 0.900 before the update (limit 0.050, edgeagent_gate_top1_drop)")]
    [InlineData("fewer frames/s", "frames/s 12.0 is 60% below the 30.0 before the update (limit -20%, edgeagent_gate_fps_drop_percent)")]
    [InlineData("more bad frames", "bad-frame rate 0.250 rose by 0.250 from 0.000 before the update (limit 0.010, edgeagent_gate_bad_rate_increase)")]
    [InlineData("unhealthy", "the agent reports healthy=false")]
    [InlineData("model error", "modelError: labels: 3 labels for 4 outputs")]
    [InlineData("old model", "the agent serves model fedcba987654, not the new one 0123456789ab")]
    [InlineData("too few frames", "the new model classified 20 frames within 300 s, fewer than edgeagent_gate_min_frames 100")]
    [InlineData("frames of the previous model", "the new model classified 0 frames within 300 s, fewer than edgeagent_gate_min_frames 100")]
    public void Each_figure_is_compared_with_the_baseline_and_named(string canary, string expected)
    {
        var before = Status();
        var after = canary switch
        {
            "fine" => Status(total: 11, inference: 6, top1: 0.87, fps: 29, bad: 0.005),
            "slower" => Status(total: 30, inference: 25),
            "less confident" => Status(top1: 0.3),
            "fewer frames/s" => Status(fps: 12),
            "more bad frames" => Status(bad: 0.25),
            "unhealthy" => Status(healthy: false),
            "model error" => Status(modelError: "labels: 3 labels for 4 outputs"),
            "old model" => Status(sha: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"),
            "too few frames" => Status(frames: 20),
            "frames of the previous model" => Status() with { Recent = new RecentFrames(200, 1, 10, 5, 0.9, 30, 0), Model = Status(generation: 2).Model },
            _ => throw new ArgumentException(canary),
        };
        Assert.Equal(expected, string.Join("; ", CanaryGate.Compare(before, after, Ansible(canary == "old model" ? Sha : null))));
    }

    [Fact]
    public void Without_a_baseline_only_the_absolute_checks_apply_and_an_old_baseline_without_fps_is_not_compared()
    {
        var slowUnsure = Status(total: 300, inference: 250, top1: 0.3, fps: 3, bad: 0.5);
        Assert.Empty(CanaryGate.Compare(null, slowUnsure, Ansible()));
        var options = new CanaryGateOptions { Top1Min = 0.5 };
        Assert.Equal(["mean top-1 probability 0.300 is below --top1-min 0.500"], CanaryGate.Compare(null, slowUnsure, options));
        // A baseline from an agent that did not measure frames/s (0) has nothing to compare it with.
        Assert.Empty(CanaryGate.Compare(Status(fps: 0), Status(fps: 3), options));
        Assert.Null(CanaryGate.Baseline(Status(healthy: false)));
        Assert.Null(CanaryGate.Baseline(Status() with { Recent = null }));
    }

    [Fact]
    public void On_a_busy_device_the_gate_can_compare_inference_p95_only()
    {
        // Queueing tripled the total p95 of a model whose inference p95 did not move.
        var queued = Status(total: 30, inference: 5.2);
        Assert.Equal(["total p95 30.000 ms is 200% above the 10.000 ms before the update (limit +25% + 1.0 ms, --p95-increase-percent)"],
            CanaryGate.Compare(Status(), queued, new CanaryGateOptions()));
        var inferenceOnly = CanaryGateOptions.Parse(["--p95-figures", "inference"]);
        Assert.Equal(GatedP95.Inference, inferenceOnly.P95Figures);
        Assert.Empty(CanaryGate.Compare(Status(), queued, inferenceOnly));
        // A slower model is still caught by its inference p95.
        Assert.Equal(["inference p95 25.000 ms is 400% above the 5.000 ms before the update (limit +25% + 1.0 ms, --p95-increase-percent)"],
            CanaryGate.Compare(Status(), Status(total: 30, inference: 25), inferenceOnly));
    }

    [Theory]
    [InlineData(GateSettingNames.Agent, "--top1-drop")]
    [InlineData(GateSettingNames.Ansible, "edgeagent_gate_top1_drop")]
    [InlineData(GateSettingNames.Edgekit, "--gate top1-drop")]
    public void Reports_name_the_limit_as_the_caller_sets_it(GateSettingNames names, string setting)
    {
        var failures = CanaryGate.Compare(Status(), Status(top1: 0.5), new CanaryGateOptions { Names = names });
        Assert.EndsWith($", {setting})", Assert.Single(failures));
    }

    [Theory]
    [InlineData("--top1-drop|1.5", "--top1-drop '1.5': expected a number from 0 to 1")]
    [InlineData("--min-frames|2.5", "--min-frames '2.5': expected a whole number from 1 to 1000000")]
    [InlineData("--soak-seconds=-1", "--soak-seconds '-1': expected a number from 0 to 86400")]
    [InlineData("--fps-drop-percent|NaN", "--fps-drop-percent 'NaN': expected a number from 0 to 100")]
    [InlineData("--health-url|ftp://x/health", "--health-url 'ftp://x/health': expected an http:// address")]
    [InlineData("--sha256|abc", "--sha256 'abc': expected 64 hexadecimal digits")]
    [InlineData("--names|yaml", "--names 'yaml': expected agent, ansible or edgekit")]
    [InlineData("--p95-figures|total", "--p95-figures 'total': expected both or inference")]
    [InlineData("--p95-slack", "--p95-slack: unknown canary gate option; expected one of --health-url, --soak-seconds")]
    [InlineData("--bad-rate-increase", "--bad-rate-increase needs a value (the bad-frame rate may rise by this much (0-1))")]
    [InlineData("top1-drop=0.1", "'top1-drop=0.1': expected an option --name value")]
    public void Bad_options_are_refused_naming_the_option(string args, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => CanaryGateOptions.Parse(args.Split('|')));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Options_are_read_in_both_forms()
    {
        var o = CanaryGateOptions.Parse(["--top1-drop=0.1", "--fps-drop-percent", "35", "--names", "edgekit", "--sha256", Sha, "--health-url", "http://127.0.0.1:1/health"]);
        Assert.Equal((0.1, 35.0, GateSettingNames.Edgekit), (o.Top1Drop, o.FpsDropPercent, o.Names));
        Assert.Equal(Sha, o.Sha256);
        Assert.Equal("http://127.0.0.1:1/health", o.HealthUrl.ToString());
    }

    [Fact]
    public async Task The_command_records_a_baseline_then_waits_for_the_new_models_frames_and_reports_what_regressed()
    {
        // A real HTTP health endpoint whose answers the test scripts: the old model, then the new one with too few
        // frames, then enough frames but half the frames/s.
        var answers = new Queue<AgentStatus>([Status(), Status(sha: Sha, generation: 2, frames: 10), Status(sha: Sha, generation: 2, fps: 15)]);
        using var listener = new HttpListener();
        int port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        int served = 0;
        var server = Task.Run(async () =>
        {
            while (true)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                var status = answers.Count > 1 ? answers.Dequeue() : answers.Peek();
                Interlocked.Increment(ref served);
                byte[] body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(status, StatusReporter.Json));
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        string url = $"http://127.0.0.1:{port}/health";

        var (code, output, _) = await Gate(["baseline", "--health-url", url, "--names", "ansible"], TextReader.Null, false);
        Assert.Equal(0, code);
        string baseline = output.Trim();
        Assert.DoesNotContain('\n', baseline);
        Assert.Equal(30, JsonSerializer.Deserialize<AgentStatus>(baseline, StatusReporter.Json)!.Recent!.FramesPerSecond);

        (code, output, _) = await Gate(["check", "--health-url", url, "--soak-seconds", "0", "--min-frames", "100", "--wait-seconds", "20",
            "--sha256", Sha, "--names", "ansible"], new StringReader(" " + baseline + "\n"), true);
        Assert.Equal(CanaryGateCommand.Regressed, code);
        Assert.Equal("canary gate: frames/s 15.0 is 50% below the 30.0 before the update (limit -20%, edgeagent_gate_fps_drop_percent)", output.Trim());
        Assert.True(served >= 3, $"{served} answers");

        // The same figures pass with a looser limit; a check without a baseline compares nothing.
        (code, output, _) = await Gate(["check", "--health-url", url, "--soak-seconds", "0", "--fps-drop-percent", "60"], new StringReader(baseline), true);
        Assert.Equal(0, code);
        Assert.StartsWith("gate passed: 200 frames of model 0123456789ab: total p95 10 ms, inference p95 5 ms, mean top-1 probability 0.9, 15 frames/s, bad-frame rate 0 (before: ", output);

        // Bad options and a baseline that is not a status are refused before anything is read.
        (code, _, string error) = await Gate(["check", "--top1-drop", "2"], TextReader.Null, false);
        Assert.Equal(2, code);
        Assert.Contains("--top1-drop '2': expected a number from 0 to 1", error);
        (code, _, error) = await Gate(["check"], new StringReader("not json"), true);
        Assert.Equal(2, code);
        Assert.Contains("standard input is not the status 'baseline' printed", error);
        (code, _, error) = await Gate(["compare"], TextReader.Null, false);
        Assert.Equal(2, code);
        Assert.Contains("--canary-gate 'compare': expected baseline or check", error);

        listener.Stop();
        await server;

        // Nobody listening: no baseline (exit 0, "{}"), and a check that fails naming the endpoint.
        (code, output, _) = await Gate(["baseline", "--health-url", url], TextReader.Null, false);
        Assert.Equal(0, code);
        Assert.Equal("{}", output.Trim());
        (code, output, _) = await Gate(["check", "--health-url", url, "--soak-seconds", "0", "--wait-seconds", "0"], new StringReader("{}"), true);
        Assert.Equal(1, code);
        Assert.StartsWith($"canary gate: the agent's health endpoint {url} did not answer with a status", output);
    }

    /// <summary>Runs the gate command with its standard output and error captured.</summary>
    private static async Task<(int Code, string Output, string Error)> Gate(string[] args, TextReader input, bool inputRedirected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await CanaryGateCommand.RunAsync(args, input, inputRedirected, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
