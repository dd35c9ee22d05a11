using System.Diagnostics;
using System.Text.Json;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The <c>--trim</c> and <c>--aot</c> linux-x64 packages and the cross-compiled linux-arm64 <c>--aot</c> one
/// (<see cref="SlimPackages"/> publishes each once) unpacked and run as a device runs them (the arm64 one under
/// qemu-aarch64-static -cpu cortex-a72): the agent from the tarball on its own int8 bundle and on an fp32 one, over real JPEG and
/// PNG frames in a loop, must classify every frame like this build's JIT agent (same top-1, probabilities within 1e-4),
/// report itself running and healthy in /health and in the status file (NativeAOT or JIT, with the unit's gen0 cap in
/// effect), stop cleanly on SIGTERM, and the NativeAOT
/// tarball must meet issue 14's 45 MB. (Session 7's trimmed agent refused to start: "EdgeAgent:Bundle is required";
/// nothing ran it.) Its own collection, so it runs beside the device tests.
/// </summary>
public sealed class SlimPackageTests : IClassFixture<SlimPackages>
{
    private readonly SlimPackages packages;
    private readonly ITestOutputHelper output;

    public SlimPackageTests(SlimPackages packages, ITestOutputHelper output)
    {
        this.packages = packages;
        this.output = output;
    }

    [Theory]
    [InlineData("trim")]
    [InlineData("aot")]
    [InlineData("aot-arm64")]
    public void Package_agent_classifies_like_the_jit_agent_reports_running_and_stops_cleanly(string variant)
    {
        var publish = packages.Publish[variant];
        var (rid, option) = SlimPackages.Variants[variant];
        output.WriteLine($"publish.sh --rid {rid} {option}: {publish}");
        Assert.True(publish.ExitCode == 0, $"publish.sh --rid {rid} {option} failed: {publish}");
        bool aot = option == "--aot";
        Assert.Contains($"{rid} NativeAOT={(aot ? "true" : "false")} ReadyToRun={(aot ? "false" : "true")} trimmed={(aot ? "false" : "true")}", publish.StdOut);

        string tarball = packages.Tarballs[variant];
        long size = new FileInfo(tarball).Length;
        output.WriteLine($"{variant}: tarball {size:N0} B ({size / 1e6:F1} MB; target <= {SlimPackages.TarballTargetBytes / 1e6:F0} MB)");
        // The size of the artefact: the NativeAOT package is the one that meets the target (21.2 MB measured in session 7).
        // The trimmed ReadyToRun one measured 47.9 MB: it is printed, not held to the target.
        if (aot)
            Assert.True(size <= SlimPackages.TarballTargetBytes, $"{tarball} is {size:N0} B, over issue 14's {SlimPackages.TarballTargetBytes:N0} B");

        string root = packages.NewFolder(variant);
        var untar = Repo.Run("tar", ["-xzf", tarball, "-C", root]);
        Assert.True(untar.ExitCode == 0, untar.ToString());
        string pkg = Directory.GetDirectories(root).Single();
        string agentDir = Path.Combine(pkg, "agent"), executable = Path.Combine(agentDir, "EdgeAgent");
        Assert.Equal(rid == "linux-arm64" ? "b700" : "3e00", ElfMachine(executable)); // aarch64 or x86-64
        // NativeAOT: one native executable, no runtime and no IL beside it. Trimmed: the JIT runtime and the agent's IL.
        Assert.Equal(!aot, File.Exists(Path.Combine(agentDir, "libcoreclr.so")));
        Assert.Equal(!aot, File.Exists(Path.Combine(agentDir, "EdgeAgent.dll")));
        Assert.True(File.Exists(Path.Combine(agentDir, "libonnxruntime.so")), $"{agentDir} has no libonnxruntime.so");

        if (variant == "aot") TheGcSettingNativeAotIgnoresIsReported(executable);

        // The bundle as shipped in the tarball, and an fp32 one from its folder.
        foreach (var (bundle, reference) in new[] { (Path.Combine(pkg, "bundle"), "foreign-int8"), (packages.FloatBundle, "foreign-fp32") })
            RunAndCompare(variant, executable, bundle, packages.Reference[reference], $"{variant}/{reference}");
    }

    private void RunAndCompare(string variant, string executable, string bundle, Dictionary<string, Prediction> jit, string name)
    {
        string work = packages.NewFolder($"{variant}-run");
        string results = Path.Combine(work, "results.jsonl"), statusFile = Path.Combine(work, "status.json");
        string sha;
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json"))))
            sha = manifest.RootElement.GetProperty("sha256").GetString()!;

        // The frames in a loop at 20 fps, a status file every second, with the unit's GC environment, as the service runs
        // (not --bench).
        using var agent = new LocalAgent(packages.Command(variant, executable),
            [.. packages.FolderSettings(bundle, results, loop: true, statusFile), "Source:FramesPerSecond=20", "SummarySeconds=1"], work,
            RuntimeReportTests.OnlyGcEnvironment(RuntimeReportTests.UnitGcEnvironment()));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var watch = Stopwatch.StartNew();
        Dictionary<string, Prediction> predictions = [];
        (int Status, string Body) health = (0, "");
        string? running = null;
        // A safety net against a hung agent, not a timing assertion.
        while (watch.Elapsed.TotalSeconds < 180 && !agent.HasExited)
        {
            predictions = File.Exists(results) ? AgentResults.Read(results) : [];
            health = TestDevice.Get(http, agent.HealthUrl);
            running = StatusOf(statusFile) is { State: "running", Frames: >= 1 } ? File.ReadAllText(statusFile) : null;
            if (predictions.Count >= packages.FrameCount && health.Status == 200 && running is not null) break;
            Thread.Sleep(250);
        }
        output.WriteLine($"{name}: {predictions.Count}/{packages.FrameCount} frames, health {health.Status} after {watch.Elapsed.TotalSeconds:F1} s");
        Assert.False(agent.HasExited, $"{name}: the agent exited:\n{agent.Log}");
        Assert.True(predictions.Count == packages.FrameCount, $"{name}: {predictions.Count} of {packages.FrameCount} frames classified:\n{agent.Log}");

        // /health: 200, healthy, serving this bundle on the CPU.
        Assert.True(health.Status == 200, $"{name}: health {health.Status} {health.Body}\n{agent.Log}");
        using (var doc = JsonDocument.Parse(health.Body))
        {
            var s = doc.RootElement;
            Assert.True(s.GetProperty("healthy").GetBoolean(), health.Body);
            Assert.Equal("running", s.GetProperty("state").GetString());
            Assert.Equal(sha, s.GetProperty("model").GetProperty("sha256").GetString());
            Assert.Equal("cpu", s.GetProperty("executionProvider").GetString());
            // How it runs: NativeAOT or the JIT, and the unit's gen0 cap (plain hex) in effect under both.
            var runtime = s.GetProperty("runtime");
            Assert.Equal(variant.StartsWith("aot", StringComparison.Ordinal) ? "NativeAOT" : "JIT", runtime.GetProperty("compilation").GetString());
            Assert.InRange(runtime.GetProperty("gc").GetProperty("gen0BudgetBytes").GetInt64(), 4L << 20, 8L << 20);
            Assert.Contains($"Runtime: {runtime.GetProperty("compilation").GetString()} ", agent.Log, StringComparison.Ordinal);
        }
        // The status file says the same.
        Assert.True(running is not null, $"{name}: the status file {statusFile} never reported running:\n{agent.Log}");
        output.WriteLine(running);

        // SIGTERM, as systemd stops it: exit 0 and a final status "stopped".
        int exit = agent.Terminate();
        output.WriteLine(agent.Log);
        Assert.True(exit == 0, $"{name}: exit {exit} after SIGTERM:\n{agent.Log}");
        var stopped = StatusOf(statusFile);
        Assert.True(stopped is { State: "stopped", Frames: var total } && total >= packages.FrameCount, $"{name}: final status {File.ReadAllText(statusFile)}");

        double worst = AgentResults.AssertSame(jit, predictions, 1e-4, "jit", variant, output);
        output.WriteLine($"{name}: {jit.Count}/{jit.Count} frames top-1 = the JIT agent's, max |dp| {worst:G3}");
    }

    /// <summary>
    /// NativeAOT reads DOTNET_GC* numbers as plain hex and ignores a 0x value without a word (session 7): the agent says so
    /// at start, naming the variable and the form it reads.
    /// </summary>
    private void TheGcSettingNativeAotIgnoresIsReported(string executable)
    {
        string work = packages.NewFolder("aot-0x");
        using var agent = new LocalAgent([executable],
            [.. packages.FolderSettings(packages.FloatBundle, Path.Combine(work, "results.jsonl"), loop: true, ""), "Source:FramesPerSecond=20"], work,
            RuntimeReportTests.OnlyGcEnvironment(new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x400000" }));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var watch = Stopwatch.StartNew();
        (int Status, string Body) health = (0, "");
        while (watch.Elapsed.TotalSeconds < 120 && !agent.HasExited && (health = TestDevice.Get(http, agent.HealthUrl)).Status != 200)
            Thread.Sleep(250);
        Assert.True(health.Status == 200, $"health {health.Status} {health.Body}\n{agent.Log}");
        Assert.Equal(0, agent.Terminate());
        output.WriteLine(agent.Log);
        Assert.Contains("DOTNET_GCgen0size=0x400000: NativeAOT reads GC settings as plain hex and ignores a 0x prefix; write DOTNET_GCgen0size=400000", agent.Log, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(health.Body);
        output.WriteLine($"gen0 budget with DOTNET_GCgen0size=0x400000 under NativeAOT: {doc.RootElement.GetProperty("runtime").GetProperty("gc").GetProperty("gen0BudgetBytes").GetInt64() / 1048576.0:F1} MiB");
    }

    /// <summary>State and frames processed of a status file, or null while there is none (it is written by rename).</summary>
    private static (string? State, long Frames)? StatusOf(string path)
    {
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return (doc.RootElement.GetProperty("state").GetString(), doc.RootElement.GetProperty("framesProcessed").GetInt64());
    }

    /// <summary>The ELF header's e_machine as hex bytes (3e00 x86-64, b700 aarch64).</summary>
    private static string ElfMachine(string path)
    {
        using var f = File.OpenRead(path);
        var header = new byte[20];
        f.ReadExactly(header);
        Assert.True(header[0] == 0x7f && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F', $"{path} is not an ELF file");
        return Convert.ToHexStringLower(header.AsSpan(18, 2));
    }
}
