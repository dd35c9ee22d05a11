using System.Formats.Tar;
using System.IO.Compression;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// Runs deploy/arm64/check-arm64.sh: publishes the real agent for linux-arm64 and linux-x64, runs the
/// arm64 one under qemu-aarch64-static with the core of every board class we name (-cpu cortex-a53,
/// cortex-a72, cortex-a76, cortex-a57, each with its board's /proc/cpuinfo) over a few frames with our
/// MobileNet and a foreign (PyTorch-style) graph, each fp32 and int8, and compares its predictions with
/// the x64 agent's. Then inspects the arm64 tarball it produced.
/// </summary>
public sealed class Arm64CheckTests : IDisposable
{
    private static readonly string[] BoardCpus = ["cortex-a53", "cortex-a72", "cortex-a76", "cortex-a57"];
    private readonly TempDir temp = new("deploy-arm64");
    private readonly ITestOutputHelper output;

    public Arm64CheckTests(ITestOutputHelper output) => this.output = output;

    private void EdgeKit(params string[] args) => Repo.EdgeKit(output, args);

    [Fact]
    public void Arm64_agent_on_each_board_cpu_under_qemu_prints_the_latency_table_and_predicts_like_x64()
    {
        Repo.RequireTool("qemu-aarch64-static", "qemu-user-static");
        Repo.RequireTool("ffmpeg", "ffmpeg");
        Repo.RequireTool("python3", "python3");
        // Our MobileNet (one short epoch on the embedded Fashion-MNIST subset, exported and quantized by the
        // toolkit's own verbs) and a foreign graph, each fp32 and int8.
        string train = temp.Combine("train");
        EdgeKit("train", "--data", "embedded", "--arch", "mobilenet_v1", "--alpha", "0.25", "--input-size", "32",
            "--limit-train", "256", "--limit-test", "64", "--batch-size", "32", "--epochs", "1", "--threads", "1", "--out", train);
        string mobileNet = temp.Combine("mobilenet-fp32"), mobileNetInt8 = temp.Combine("mobilenet-int8");
        EdgeKit("export", "--checkpoint", Path.Combine(train, "best"), "--out", mobileNet, "--data", "embedded", "--verify-images", "8");
        EdgeKit("quantize", "--bundle", mobileNet, "--out", mobileNetInt8, "--data", "embedded", "--calibration", "32");
        string foreign = ForeignBundle.Write(temp.Combine("foreign-fp32")), foreignInt8 = temp.Combine("foreign-int8");
        EdgeKit("quantize", "--bundle", foreign, "--out", foreignInt8, "--data", "embedded", "--calibration", "32");
        string[] bundles = [mobileNetInt8, mobileNet, foreign, foreignInt8];

        string outDir = temp.Combine("check");
        var args = new List<string> { Repo.Script("check-arm64.sh"), "--out", outDir, "--count", "4", "--cpu", string.Join(',', BoardCpus) };
        foreach (string b in bundles) args.AddRange(["--bundle", b]);
        // Its own build folders, so publishing never touches obj/ folders other test runs or builds use
        // (a fixed shared folder clashed when two worktrees ran this test at once).
        args.AddRange(["--artifacts-path", Repo.ArtifactsPath ?? temp.Combine("artifacts")]);
        var r = Repo.Run("bash", args, timeoutSeconds: 1800);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("check-arm64.sh: PASSED", r.StdOut);
        Assert.Contains("arm64 equals x64", r.StdOut);
        Assert.Contains("NOT latency figures", r.StdOut);
        Assert.Matches(@"(?m)^stage +count +p50 ms", r.StdOut);
        // One proof line per CPU and bundle, with the features the emulated core reported beside it.
        foreach (string cpu in BoardCpus)
        {
            foreach (string b in bundles)
                Assert.Matches($@"(?m)^check-arm64\.sh: proof: {cpu} \([^)]+\) \| {Path.GetFileName(b)} \| exit 0, no SIGILL \| (\d+)/\1 frames top-1 = x64, max \|dp\| \S+ <= 0\.0001 \| asimd=yes asimddp=(yes|no) ", r.StdOut);
        }
        // The cores differ where ONNX Runtime's kernels do: dot product on the Pi 5's A76 only.
        Assert.Matches(@"(?m)^check-arm64\.sh: proof: cortex-a76 .*asimddp=yes fphp=yes", r.StdOut);
        foreach (string cpu in new[] { "cortex-a53", "cortex-a72", "cortex-a57" })
            Assert.Matches($@"(?m)^check-arm64\.sh: proof: {cpu} .*asimddp=no fphp=no asimdhp=no i8mm=no bf16=no sve=no", r.StdOut);

        // The arm64 tarball: agent, unit, config, scripts; no Windows ONNX Runtime files.
        string tarball = Directory.GetFiles(Path.Combine(outDir, "dist"), "edgeagent-*-linux-arm64.tar.gz").Single();
        var names = new List<string>();
        using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var reader = new TarReader(gz))
        {
            while (reader.GetNextEntry() is { } e) names.Add(e.Name.TrimEnd('/'));
        }
        string top = Path.GetFileName(tarball)[..^".tar.gz".Length];
        foreach (string expected in new[] { "agent/EdgeAgent", "agent/libonnxruntime.so", "edgeagent.service", "appsettings.json", "install.sh", "uninstall.sh", "VERSION", "bundle/manifest.json", "bundle/model.onnx" })
            Assert.Contains($"{top}/{expected}", names);
        Assert.DoesNotContain(names, n => Path.GetFileName(n) is "onnxruntime.dll" or "onnxruntime_providers_shared.dll");
        Assert.Contains($"{top}/agent/Microsoft.ML.OnnxRuntime.dll", names); // the managed wrapper stays
        Assert.DoesNotContain(names, n => n.Contains("/runtimes/win", StringComparison.Ordinal));
    }

    public void Dispose() => temp.Dispose();
}
