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
        Assert.Equal(ModelBundle.Precision.Int8, ModelBundle.ModelBundleFolder.Read(int8).Manifest.Precision);
        foreach (string b in new[] { fp32, int8 })
        {
            var r = EdgeKit("bench", "--bundle", b, "--runs", "20", "--warmup", "2");
            Assert.Contains("execution provider: cpu (requested cpu)", r.StdOut);
        }
    }

    public void Dispose() => temp.Dispose();
}
