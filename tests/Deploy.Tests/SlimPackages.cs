namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The smaller packages, each published once by deploy/arm64/publish.sh as users run it: linux-x64 <c>--trim</c>
/// (trimmed ReadyToRun) and <c>--aot</c> (NativeAOT, linked by clang), and linux-arm64 <c>--aot</c> (cross-compiled:
/// clang --target aarch64 with lld against make-sysroot.sh --dev's sysroot), all carrying an int8 bundle (a foreign,
/// PyTorch-style graph quantized by <c>edgekit quantize</c>), plus the frames and the JIT agent's predictions on them
/// (this build's EdgeAgent.dll) that <see cref="SlimPackageTests"/> compares each package's agent with.
/// </summary>
public sealed class SlimPackages : IDisposable
{
    /// <summary>Issue 14's package target: tarball &lt;= 45 MB.</summary>
    public const long TarballTargetBytes = 45_000_000;

    /// <summary>publish.sh's RID and switch per variant: aot-arm64 is cross-compiled on this x64 host and runs under qemu.</summary>
    public static readonly IReadOnlyDictionary<string, (string Rid, string Option)> Variants = new Dictionary<string, (string, string)>
    {
        ["trim"] = ("linux-x64", "--trim"),
        ["aot"] = ("linux-x64", "--aot"),
        ["aot-arm64"] = ("linux-arm64", "--aot"),
    };

    private readonly TempDir temp = new("deploy-slim");
    private readonly System.Text.StringBuilder log = new();

    public SlimPackages()
    {
        Repo.RequireTool("tar", "tar");
        Repo.RequireTool("ffmpeg", "ffmpeg");
        // NativeAOT links the executable with clang (publish.sh falls back to gcc; CI installs clang, the documented one).
        Repo.RequireTool("clang", "clang");
        // The arm64 NativeAOT agent: linked by lld, stripped by llvm-objcopy, run by qemu-user over an arm64 sysroot.
        Repo.RequireTool("ld.lld", "lld");
        Repo.RequireTool("llvm-objcopy", "llvm");
        Repo.RequireTool("qemu-aarch64-static", "qemu-user-static");

        // Bundles: the package carries the int8 one (as users ship a quantized model); its fp32 source is read from its
        // folder. Seeded random weights whose probabilities are not saturated, so 1e-4 is a real bound, and whose top-1
        // changes with the frame.
        FloatBundle = ForeignBundle.Write(temp.Combine("foreign-fp32"));
        PackagedBundle = temp.Combine("foreign-int8");
        Log(Repo.Run("dotnet", [Repo.EdgeKitDll, "quantize", "--bundle", FloatBundle, "--out", PackagedBundle, "--data", "embedded", "--calibration", "32"], timeoutSeconds: 900));

        // Real frames of two formats and sizes: JPEG with the hue turning 60 degrees per frame (as check-arm64.sh),
        // so the predictions vary, and two larger PNG stills.
        Frames = temp.Combine("frames");
        Directory.CreateDirectory(Frames);
        Log(Repo.Run("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=1", "-vf", "hue=h=60*t", "-frames:v", "6", Path.Combine(Frames, "frame%03d.jpg")]));
        Log(Repo.Run("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=1", "-frames:v", "2", Path.Combine(Frames, "still%03d.png")]));
        FrameCount = Directory.GetFiles(Frames).Length;

        // The reference: this build's agent under the JIT, once over the folder (it exits 0 after the last frame).
        foreach (string bundle in new[] { PackagedBundle, FloatBundle })
        {
            string results = temp.Combine($"jit-{Path.GetFileName(bundle)}.jsonl");
            using var agent = new LocalAgent(LocalAgent.JitAgent, FolderSettings(bundle, results, loop: false, statusFile: ""), temp.Path);
            int exit = agent.WaitForExit(300);
            log.AppendLine(agent.Log);
            Assert.True(exit == 0, $"the JIT agent exited with {exit} on {bundle}:\n{agent.Log}");
            Reference[Path.GetFileName(bundle)] = AgentResults.Read(results);
        }

        // Each variant once, one after the other: they share one build folder of their own (publishing never
        // touches the obj/ folders of this build or of other tests' publishes).
        string artifacts = temp.Combine("artifacts");
        foreach (var (variant, (rid, option)) in Variants)
        {
            string dist = temp.Combine("dist-" + variant);
            Publish[variant] = Repo.Run("bash", [Repo.Script("publish.sh"), "--rid", rid, option, "--bundle", PackagedBundle, "--out", dist,
                "--artifacts-path", artifacts], timeoutSeconds: 1800);
            if (Publish[variant].ExitCode == 0)
                Tarballs[variant] = Directory.GetFiles(dist, $"edgeagent-*-{rid}.tar.gz").Single();
        }
        // The arm64 runtime sysroot check-arm64.sh runs the arm64 agent over (cached; its /proc/cpuinfo is a Cortex-A72's).
        var sysroot = Repo.Run("bash", [Repo.Script("make-sysroot.sh")], timeoutSeconds: 900);
        Log(sysroot);
        Arm64Sysroot = sysroot.StdOut.Trim().Split('\n')[^1];
    }

    /// <summary>The arm64 sysroot for <c>qemu-aarch64-static -L</c>.</summary>
    public string Arm64Sysroot { get; }

    /// <summary>The command that runs <paramref name="executable"/> of <paramref name="variant"/> on this x64 host.</summary>
    public IReadOnlyList<string> Command(string variant, string executable) => Variants[variant].Rid == "linux-arm64"
        ? ["qemu-aarch64-static", "-cpu", "cortex-a72", "-L", Arm64Sysroot, executable]
        : [executable];

    /// <summary>The bundle the packages carry (bundle/ in the tarball): int8 QDQ.</summary>
    public string PackagedBundle { get; }

    /// <summary>The packaged bundle's fp32 source (the foreign graph), read from its folder.</summary>
    public string FloatBundle { get; }

    /// <summary>The frames every agent classifies.</summary>
    public string Frames { get; }

    public int FrameCount { get; }

    /// <summary>The JIT agent's first prediction per frame, per bundle folder name.</summary>
    internal Dictionary<string, Dictionary<string, Prediction>> Reference { get; } = [];

    /// <summary>publish.sh's result per variant.</summary>
    internal Dictionary<string, ProcessResult> Publish { get; } = [];

    /// <summary>The tarball per variant that published.</summary>
    public Dictionary<string, string> Tarballs { get; } = [];

    /// <summary>The quantize, ffmpeg and JIT agent runs of the set-up.</summary>
    public string SetupLog => log.ToString();

    /// <summary>A new folder under the fixture's temporary folder.</summary>
    public string NewFolder(string name)
    {
        string path = temp.Combine(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The agent's settings for the frames folder: every prediction to <paramref name="results"/>, one intra-op thread.</summary>
    public string[] FolderSettings(string bundle, string results, bool loop, string statusFile) =>
    [
        $"Bundle={bundle}", "Source:Kind=folder", $"Source:Path={Frames}", $"Source:Loop={(loop ? "true" : "false")}",
        $"ResultsFile={results}", $"StatusFile={statusFile}", "IntraOpThreads=1", "ReloadPollSeconds=0", "Metrics:PrometheusEnabled=false",
    ];

    private void Log(ProcessResult r)
    {
        log.AppendLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    public void Dispose() => temp.Dispose();
}
