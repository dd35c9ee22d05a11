using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary><c>EdgeAgent --time-models</c>: what it accepts, what it refuses, and the report it prints for a real model.</summary>
public sealed class ModelTimingRequestTests
{
    [Fact]
    public void Arguments_are_read_only_after_the_flag()
    {
        Assert.Null(ModelTimingRequest.Parse(["--bench", "10"]));
        Assert.Null(ModelTimingRequest.Parse([]));
        var r = ModelTimingRequest.Parse(["--time-models", "--threads", "2", "--runs", "7", "--warmup", "0", "/tmp/a.onnx", "/tmp/b.onnx"])!;
        Assert.Equal(new ModelTimingRequest(2, 7, 0, r.Models), r);
        Assert.Equal(new[] { "/tmp/a.onnx", "/tmp/b.onnx" }, r.Models);
        var d = ModelTimingRequest.Parse(["--time-models"])!;
        Assert.Equal((1, 60, 5, 0), (d.Threads, d.Runs, d.Warmup, d.Models.Count));
    }

    [Theory]
    [InlineData("--threads", "0", "--time-models: --threads '0' is not a whole number of at least 1")]
    [InlineData("--runs", "many", "--time-models: --runs 'many' is not a whole number of at least 1")]
    [InlineData("--warmup", "-1", "--time-models: --warmup '-1' is not a whole number of at least 0")]
    [InlineData("--fast", "x", "--time-models: unknown option '--fast'")]
    public void Bad_settings_are_refused_naming_them(string option, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelTimingRequest.Parse(["--time-models", option, value]));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void A_real_model_is_timed_and_reported_with_this_machines_fingerprint()
    {
        string folder = Directory.CreateTempSubdirectory("edgeagent-time-models-").FullName;
        try
        {
            string model = Path.Combine(folder, "model.onnx");
            File.WriteAllBytes(model, TinyClassifier.Build());
            using var output = new StringWriter();
            Assert.Equal(0, new ModelTimingRequest(1, 5, 1, [model, model]).Run(output));
            var report = ModelTimingReport.Parse(output.ToString().Trim(), "test");
            Assert.Equal(DeviceFingerprint.Local(1), report.Fingerprint);
            Assert.Equal(2, report.P50Ms.Count);
            Assert.All(report.P50Ms, t => Assert.True(t > 0));
            using var missingOutput = new StringWriter();
            Assert.Equal(2, new ModelTimingRequest(1, 5, 1, [Path.Combine(folder, "missing.onnx")]).Run(missingOutput));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
