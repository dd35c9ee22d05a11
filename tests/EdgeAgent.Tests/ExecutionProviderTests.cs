using System.Text.Json;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>
/// EdgeAgent:ExecutionProvider on this CPU-only machine: the setting is checked at start, a GPU provider the
/// loaded ONNX Runtime lacks falls back to the CPU, and the bench report and status say which provider ran.
/// </summary>
public class ExecutionProviderTests
{
    private static readonly string[] Quiet = ["--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false"];

    [Theory]
    [InlineData("cpu", ExecutionProvider.Cpu)]
    [InlineData("tensorrt", ExecutionProvider.TensorRT)]
    [InlineData("Xnnpack", ExecutionProvider.Xnnpack)]
    [InlineData("auto", ExecutionProvider.Auto)]
    public void The_setting_binds_from_its_configuration_name(string value, ExecutionProvider expected)
    {
        using var host = AgentHost.CreateBuilder(["--EdgeAgent:Bundle=/b", $"--EdgeAgent:ExecutionProvider={value}", .. Quiet]).Build();
        Assert.Equal(expected, ((IOptions<AgentOptions>)host.Services.GetService(typeof(IOptions<AgentOptions>))!).Value.ExecutionProvider);
    }

    [Fact]
    public void An_unknown_provider_is_refused_at_start_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            AgentHost.CreateBuilder(["--EdgeAgent:Bundle=/b", "--EdgeAgent:ExecutionProvider=gpu", .. Quiet]).Build());
        Assert.Contains("'gpu' at 'EdgeAgent:ExecutionProvider'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EdgeAgent:ProviderOptions:DeviceId=-1", "EdgeAgent:ProviderOptions:DeviceId -1 must be between 0 and 63")]
    [InlineData("EdgeAgent:ProviderOptions:XnnpackThreads=-1", "EdgeAgent:ProviderOptions:XnnpackThreads -1 must be 0 (one per core)")]
    public async Task Bad_provider_options_fail_at_start_naming_the_setting(string setting, string expected)
    {
        using var host = AgentHost.CreateBuilder(["--EdgeAgent:Bundle=/b", "--EdgeAgent:ExecutionProvider=cuda", "--" + setting, .. Quiet]).Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cuda", "cpu", true)]
    [InlineData("tensorrt", "cpu", true)]
    [InlineData("auto", "cpu", false)]
    [InlineData("cpu", "cpu", false)]
    public async Task The_bench_report_names_the_provider_that_ran(string requested, string used, bool fallback)
    {
        string dir = TestFiles.NewFolder("provider");
        string images = Directory.CreateDirectory(Path.Combine(dir, "images")).FullName;
        var frames = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg);
        for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(images, $"f{i}.jpg"), frames[i * 10]);
        string report = Path.Combine(dir, "bench.json");
        using var host = AgentHost.CreateBuilder([
            $"--EdgeAgent:Bundle={TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"))}",
            "--EdgeAgent:Source:Kind=folder", $"--EdgeAgent:Source:Path={images}",
            $"--EdgeAgent:BenchReportFile={report}", $"--EdgeAgent:ExecutionProvider={requested}",
            $"--EdgeAgent:ProviderOptions:TensorRtEngineCacheFolder={Path.Combine(dir, "engines")}",
        ], new BenchRequest(10)).Build();
        await host.RunAsync();
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        var root = doc.RootElement;
        Assert.Equal(used, root.GetProperty("executionProvider").GetString());
        Assert.Equal(requested, root.GetProperty("executionProviderRequested").GetString());
        bool hasWhy = root.TryGetProperty("executionProviderFallback", out var why) && why.ValueKind != JsonValueKind.Null;
        Assert.Equal(fallback, hasWhy);
        if (fallback)
            Assert.Contains($"execution provider {requested} is not in the loaded ONNX Runtime native library (it offers CPUExecutionProvider); running on cpu", why.GetString());
        Assert.Equal(10, root.GetProperty("stages").GetProperty("total").GetProperty("count").GetInt64());
    }
}
