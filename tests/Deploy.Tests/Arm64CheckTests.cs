using System.Formats.Tar;
using System.IO.Compression;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// Runs deploy/arm64/check-arm64.sh: publishes the real agent for linux-arm64 and linux-x64, runs the
/// arm64 one under qemu-aarch64-static over a few frames with a tiny bundle and compares its predictions
/// with the x64 agent's. Then inspects the arm64 tarball it produced.
/// </summary>
public sealed class Arm64CheckTests : IDisposable
{
    private readonly TempDir temp = new("deploy-arm64");
    private readonly ITestOutputHelper output;

    public Arm64CheckTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void Arm64_agent_under_qemu_prints_the_latency_table_and_predicts_like_x64()
    {
        Repo.RequireTool("qemu-aarch64-static", "qemu-user-static");
        Repo.RequireTool("ffmpeg", "ffmpeg");
        Repo.RequireTool("python3", "python3");
        string bundle = TinyBundle.Write(temp.Combine("bundle"));
        string outDir = temp.Combine("check");
        var args = new List<string> { Repo.Script("check-arm64.sh"), "--bundle", bundle, "--out", outDir, "--count", "6" };
        // Its own build folders, so publishing never touches obj/ folders other test runs or builds use.
        args.AddRange(["--artifacts-path", Repo.ArtifactsPath ?? Path.Combine(Path.GetTempPath(), "edgetoolkit-deploy-tests-artifacts")]);
        var r = Repo.Run("bash", args, timeoutSeconds: 1200);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("check-arm64.sh: PASSED", r.StdOut);
        Assert.Contains("arm64 equals x64", r.StdOut);
        Assert.Contains("NOT latency figures", r.StdOut);
        Assert.Matches(@"(?m)^stage +count +p50 ms", r.StdOut);

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
