namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// One run of deploy/arm64/check-arm64.sh for the tests of <see cref="Arm64CheckTests"/>: trains, exports and quantizes
/// our MobileNet and a foreign graph with the toolkit's own verbs, then runs the script, which publishes the agent for
/// linux-arm64 and linux-x64 and proves the arm64 one under qemu for each board CPU. Its folder keeps the arm64
/// tarball (dist/), the frames and the x64 agent's predictions on them (x64-&lt;n&gt;-&lt;bundle&gt;.jsonl), which the
/// emulated systemd device test reuses instead of publishing again.
/// </summary>
public sealed class Arm64Proof : IDisposable
{
    /// <summary>The board cores the proof runs on (qemu -cpu names).</summary>
    public static readonly string[] BoardCpus = ["cortex-a53", "cortex-a72", "cortex-a76", "cortex-a57"];

    private readonly TempDir temp = new("deploy-arm64");
    private readonly System.Text.StringBuilder log = new();

    public Arm64Proof()
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
        Bundles = [mobileNetInt8, mobileNet, foreign, foreignInt8];

        Out = temp.Combine("check");
        var args = new List<string> { Repo.Script("check-arm64.sh"), "--out", Out, "--count", "4", "--cpu", string.Join(',', BoardCpus) };
        foreach (string b in Bundles) args.AddRange(["--bundle", b]);
        // Its own build folders, so publishing never touches obj/ folders other test runs or builds use
        // (a fixed shared folder clashed when two worktrees ran this test at once).
        args.AddRange(["--artifacts-path", Repo.ArtifactsPath ?? temp.Combine("artifacts")]);
        Check = Repo.Run("bash", args, timeoutSeconds: 1800);
    }

    /// <summary>The bundles proven, in --bundle order; the arm64 tarball carries the first.</summary>
    public string[] Bundles { get; }

    /// <summary>check-arm64.sh's --out folder.</summary>
    public string Out { get; }

    /// <summary>check-arm64.sh's exit code and output.</summary>
    internal ProcessResult Check { get; }

    /// <summary>The edgekit runs that made the bundles.</summary>
    public string Log => log.ToString();

    /// <summary>The arm64 tarball check-arm64.sh published (with the first bundle).</summary>
    public string Arm64Tarball => Directory.GetFiles(Path.Combine(Out, "dist"), "edgeagent-*-linux-arm64.tar.gz").Single();

    /// <summary>The x64 agent's predictions (JSON lines) on the frames for the first bundle, the tarball's.</summary>
    public string X64Results => Path.Combine(Out, $"x64-0-{Path.GetFileName(Bundles[0])}.jsonl");

    /// <summary>The frames both agents classified.</summary>
    public string Frames => Path.Combine(Out, "frames");

    private void EdgeKit(params string[] args)
    {
        var r = Repo.Run("dotnet", [Repo.EdgeKitDll, .. args], timeoutSeconds: 900);
        log.AppendLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    public void Dispose() => temp.Dispose();
}
