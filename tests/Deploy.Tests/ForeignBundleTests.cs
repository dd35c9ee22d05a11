namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The foreign (PyTorch-style) graph of the ARM64 proof is a bundle the toolkit accepts as users' models
/// arrive: it reads and validates, <c>edgekit quantize</c> turns it into int8, and ONNX Runtime runs both.
/// </summary>
public sealed class ForeignBundleTests : IDisposable
{
    private readonly TempDir temp = new("deploy-foreign");
    private readonly ITestOutputHelper output;

    public ForeignBundleTests(ITestOutputHelper output) => this.output = output;

    private ProcessResult EdgeKit(params string[] args) => Repo.EdgeKit(output, args);

    [Fact]
    public void Foreign_graph_reads_quantizes_and_runs_fp32_and_int8()
    {
        string fp32 = ForeignBundle.Write(temp.Combine("foreign-fp32")), int8 = temp.Combine("foreign-int8");
        var manifest = ModelBundle.ModelBundleFolder.Read(fp32).Manifest;
        Assert.Equal("input.1", manifest.InputName);
        Assert.Equal("output", manifest.OutputName);
        // As a user writes it by hand: no fileSizeBytes.
        string manifestPath = Path.Combine(fp32, "manifest.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        Assert.True(json.Remove("fileSizeBytes"));
        File.WriteAllText(manifestPath, json.ToJsonString());
        var quantize = EdgeKit("quantize", "--bundle", fp32, "--out", int8, "--data", "embedded", "--calibration", "32");
        long fp32Bytes = new FileInfo(Path.Combine(fp32, manifest.ModelFile)).Length;
        Assert.Contains(FormattableString.Invariant($"of fp32 {fp32Bytes / 1024.0:F0} KiB), precision int8"), quantize.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", quantize.StdOut, StringComparison.Ordinal);
        var int8Manifest = ModelBundle.ModelBundleFolder.Read(int8).Manifest;
        Assert.Equal(ModelBundle.Precision.Int8, int8Manifest.Precision);
        // The target is this machine, so fp32 and int8 were timed and the verdict is said (the figures vary, the sentence does not).
        Assert.Matches(@"quantize: (warning: int8 is \d+\.\d\dx slower than fp32|int8 takes \d+\.\d\d of the fp32 time) on this machine \(p50 int8 ", quantize.StdOut);
        Assert.Contains(" on this machine (p50 int8 ", int8Manifest.Provenance["latencyCheck"], StringComparison.Ordinal);
        var report = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(int8, "quantization-report.json")))!;
        Assert.Equal(2, (int)report["latency"]!["threads"]!);
        Assert.True((double)report["latency"]!["fp32P50Ms"]! > 0);
        // For another CPU the check is not made here, and the log says where to make it.
        string arm = temp.Combine("foreign-int8-arm64");
        var other = EdgeKit("quantize", "--bundle", fp32, "--out", arm, "--data", "embedded", "--calibration", "8", "--target", "arm64-dot");
        Assert.Contains("quantize: latency not checked: the target arm64-dot is not this machine", other.StdOut, StringComparison.Ordinal);
        Assert.False(ModelBundle.ModelBundleFolder.Read(arm).Manifest.Provenance.ContainsKey("latencyCheck"));
        foreach (string b in new[] { fp32, int8 })
        {
            var r = EdgeKit("bench", "--bundle", b, "--runs", "20", "--warmup", "2");
            Assert.Contains("execution provider: cpu (requested cpu)", r.StdOut);
        }
    }

    public void Dispose() => temp.Dispose();
}
