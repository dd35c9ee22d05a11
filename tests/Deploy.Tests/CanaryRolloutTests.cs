using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The playbook's canary gate against a local fleet of two real agents (this build's EdgeAgent.dll on a
/// synthetic camera, each with its own test root; the gate is this build's <c>EdgeAgent --canary-gate</c>): a
/// model-only update that is fine reaches both hosts; one that is much slower, one that is unsure (near-equal
/// logits) and one that fails on half the frames (NaN logits: bad-frame rate and frames/s) are rolled back on the
/// canary, and the second host never gets them.
/// </summary>
public sealed class CanaryRolloutTests : IDisposable
{
    private const int MinFrames = 40;
    private readonly TempDir temp = new("deploy-canary");
    private readonly ITestOutputHelper output;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public CanaryRolloutTests(ITestOutputHelper output) => this.output = output;

    private static string Playbook => Path.Combine(Repo.Arm64Dir, "ansible", "playbook.yml");

    /// <summary>Installs <paramref name="bundle"/> as the current model of <paramref name="root"/> (install.sh --model-only).</summary>
    private void InstallModel(string root, string bundle)
    {
        var r = Repo.Run("bash", [Repo.Script("install.sh"), "--root", root, "--no-systemd", "--model-only", "--bundle", bundle]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private static string Sha(string bundle)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json")));
        return doc.RootElement.GetProperty("sha256").GetString()!;
    }

    private static string CurrentModel(string root) => new FileInfo(Path.Combine(root, "var/lib/edgeagent/models/current")).LinkTarget!;

    /// <summary>Waits until the agent serves the model with <paramref name="sha"/> and has classified <see cref="MinFrames"/> frames with it.</summary>
    private JsonElement WaitServing(LocalAgent agent, string sha, int seconds = 180)
    {
        var watch = Stopwatch.StartNew();
        string last = "";
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            try
            {
                last = http.GetStringAsync(agent.HealthUrl).GetAwaiter().GetResult();
                using var doc = JsonDocument.Parse(last);
                var s = doc.RootElement;
                if (s.TryGetProperty("model", out var model) && model.GetProperty("sha256").GetString() == sha
                    && s.TryGetProperty("recent", out var recent) && recent.GetProperty("frames").GetInt32() >= MinFrames
                    && recent.GetProperty("modelGeneration").GetInt32() == model.GetProperty("generation").GetInt32())
                    return s.Clone();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            Thread.Sleep(500);
        }
        Assert.Fail($"the agent on {agent.HealthUrl} did not serve {sha[..12]} with {MinFrames} frames within {seconds} s; last answer: {last}\n{agent.Log}");
        return default;
    }

    private ProcessResult Rollout(string inventory, string bundle)
    {
        string tool = Repo.RequireTool("ansible-playbook", "ansible");
        // The gate runs the agent of this build (the test roots have no installed agent).
        string agent = JsonSerializer.Serialize(new Dictionary<string, string> { ["edgeagent_gate_agent"] = "dotnet " + Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll") });
        var r = Repo.Run(tool,
        [
            "-i", inventory, Playbook, "-e", "edgeagent_bundle=" + bundle, "-e", "edgeagent_become=false", "-e", "edgeagent_no_systemd=true",
            "-e", "edgeagent_soak_seconds=2", "-e", $"edgeagent_gate_min_frames={MinFrames}", "-e", "edgeagent_gate_wait_seconds=180",
            // Generous limits (a loaded CI machine is noisy); the slow model and the failing one are far beyond them.
            "-e", "edgeagent_gate_p95_increase_percent=100", "-e", "edgeagent_gate_p95_slack_ms=10", "-e", "edgeagent_gate_top1_drop=0.05",
            "-e", "edgeagent_gate_fps_drop_percent=40", "-e", "edgeagent_gate_bad_rate_increase=0.05", "-e", agent,
        ], new Dictionary<string, string?>
        {
            ["ANSIBLE_NOCOLOR"] = "1",
            ["ANSIBLE_RETRY_FILES_ENABLED"] = "False",
            ["ANSIBLE_LOCAL_TEMP"] = temp.Combine("ansible-local"),
            ["ANSIBLE_REMOTE_TEMP"] = temp.Combine("ansible-remote"),
        }, timeoutSeconds: 900);
        output.WriteLine(r.ToString());
        return r;
    }

    [Fact]
    public void Canary_gate_promotes_a_fine_bundle_and_rolls_back_a_slower_less_confident_or_failing_one_on_the_canary_only()
    {
        Repo.RequireTool("ansible-playbook", "ansible");
        // Confident base model; the same weights re-exported (new hash); a far heavier network; near-equal logits.
        string baseBundle = TinyBundle.Write(temp.Combine("bundles/base"), fcScale: 8f);
        string fine = TinyBundle.Write(temp.Combine("bundles/fine"), fcScale: 8f, producer: "Deploy.Tests re-export");
        // About 2.7 G multiply-adds a frame against the base model's 0.1 M: tens of ms even on an idle machine.
        string slow = TinyBundle.Write(temp.Combine("bundles/slow"), convs: [(128, 1), (256, 1), (256, 1), (256, 1), (256, 1)], fcScale: 8f);
        string unsure = TinyBundle.Write(temp.Combine("bundles/unsure"), fcScale: 0.01f);
        string flaky = TinyBundle.Write(temp.Combine("bundles/flaky"), fcScale: 8f, nanWhenCornerIsDark: true);
        string canaryRoot = temp.Combine("canary"), lineRoot = temp.Combine("line2");
        InstallModel(canaryRoot, baseBundle);
        InstallModel(lineRoot, baseBundle);
        using var canary = new LocalAgent(canaryRoot, recentFrames: 200);
        using var line = new LocalAgent(lineRoot, recentFrames: 200);
        var before = WaitServing(canary, Sha(baseBundle));
        WaitServing(line, Sha(baseBundle));
        double baseTop1 = before.GetProperty("recent").GetProperty("meanTop1Probability").GetDouble();
        output.WriteLine($"base model on the canary: {before.GetProperty("recent")}");
        // The unsure model's ~0.27 is only a regression if the base model is clearly more confident.
        Assert.True(baseTop1 > 0.4, $"base mean top-1 probability {baseTop1}");

        string inventory = temp.Combine("inventory.ini");
        string python = "ansible_python_interpreter=" + Repo.RequireTool("python3", "python3");
        File.WriteAllText(inventory, $"""
            [edgeagent_canary]
            canary ansible_connection=local edgeagent_root={canaryRoot} edgeagent_health_url={canary.HealthUrl} edgeagent_staging={temp.Combine("staging-canary")} {python}

            [edgeagents]
            line2 ansible_connection=local edgeagent_root={lineRoot} edgeagent_health_url={line.HealthUrl} edgeagent_staging={temp.Combine("staging-line2")} {python}
            canary
            """);

        // 1. Fine: the canary first, then the second host, each through the gate.
        var good = Rollout(inventory, fine);
        Assert.True(good.ExitCode == 0, good.ToString());
        int canaryGate = good.StdOut.IndexOf("gate passed on canary", StringComparison.Ordinal);
        int lineGate = good.StdOut.IndexOf("gate passed on line2", StringComparison.Ordinal);
        Assert.True(canaryGate >= 0 && lineGate > canaryGate, good.StdOut);
        Assert.Matches(@"gate passed on canary \([0-9]+ frames of model [0-9a-f]{12}: total p95 [0-9.]+ ms, .* [0-9.]+ frames/s, bad-frame rate 0 \(before: ", good.StdOut);
        string fineModel = CurrentModel(canaryRoot);
        Assert.StartsWith("fine-", fineModel);
        Assert.Equal(fineModel, CurrentModel(lineRoot));
        WaitServing(canary, Sha(fine));
        WaitServing(line, Sha(fine));

        // 2. Slower: the canary's p95 regresses; it goes back to the fine model and line2 is never touched.
        var slower = Rollout(inventory, slow);
        Assert.NotEqual(0, slower.ExitCode);
        Assert.Contains("model bundle slow failed on canary (canary gate: ", slower.StdOut);
        Assert.Matches(@"(total|inference) p95 [0-9.]+ ms is [0-9]+% above the [0-9.]+ ms before the update", slower.StdOut);
        Assert.Contains("the rollout stops here", slower.StdOut);
        Assert.Equal(fineModel, CurrentModel(canaryRoot));
        Assert.Equal(fineModel, CurrentModel(lineRoot));
        Assert.Empty(Directory.GetDirectories(Path.Combine(lineRoot, "var/lib/edgeagent/models"), "slow-*"));
        WaitServing(canary, Sha(fine));

        // 3. Less confident: mean top-1 probability falls; rolled back likewise.
        var lessSure = Rollout(inventory, unsure);
        Assert.NotEqual(0, lessSure.ExitCode);
        Assert.Contains("model bundle unsure failed on canary (canary gate: ", lessSure.StdOut);
        Assert.Matches(@"mean top-1 probability 0\.[0-9]+ fell by 0\.[0-9]+ from 0\.[0-9]+ before the update", lessSure.StdOut);
        Assert.Equal(fineModel, CurrentModel(canaryRoot));
        Assert.Equal(fineModel, CurrentModel(lineRoot));
        Assert.Empty(Directory.GetDirectories(Path.Combine(lineRoot, "var/lib/edgeagent/models"), "unsure-*"));
        WaitServing(canary, Sha(fine));
        WaitServing(line, Sha(fine));

        // 4. Fails on half the frames (NaN logits for the darker patterns): the bad-frame rate rises; rolled back likewise.
        var failing = Rollout(inventory, flaky);
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Contains("model bundle flaky failed on canary (canary gate: ", failing.StdOut);
        Assert.Matches(@"bad-frame rate 0\.[0-9]+ rose by 0\.[0-9]+ from 0\.000 before the update \(limit 0\.050, edgeagent_gate_bad_rate_increase\)", failing.StdOut);
        Assert.Equal(fineModel, CurrentModel(canaryRoot));
        Assert.Equal(fineModel, CurrentModel(lineRoot));
        Assert.Empty(Directory.GetDirectories(Path.Combine(lineRoot, "var/lib/edgeagent/models"), "flaky-*"));
        WaitServing(canary, Sha(fine));
    }

    public void Dispose()
    {
        http.Dispose();
        temp.Dispose();
    }
}
