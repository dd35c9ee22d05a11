using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.ModelBundle.Tests;

/// <summary>
/// Provider selection and the fall-back to the CPU, with this machine's real (CPU-only) ONNX Runtime native
/// library: what it lists, what happens when a GPU provider is asked for, and when one is listed but cannot start.
/// </summary>
public sealed class ExecutionProviderSelectorTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "edgekit-ep-tests", Guid.NewGuid().ToString("N"));
    private readonly string model;

    public ExecutionProviderSelectorTests()
    {
        Directory.CreateDirectory(folder);
        model = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(model, TinyOnnxModel.Create(channels: 3, size: 4, classes: 2));
    }

    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];
    private static readonly string[] JetPack = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"];

    [Theory]
    [InlineData("cpu", ExecutionProvider.Cpu)]
    [InlineData("CUDA", ExecutionProvider.Cuda)]
    [InlineData("TensorRT", ExecutionProvider.TensorRT)]
    [InlineData(" xnnpack ", ExecutionProvider.Xnnpack)]
    [InlineData("auto", ExecutionProvider.Auto)]
    public void Names_parse_case_insensitively_and_round_trip(string text, ExecutionProvider expected)
    {
        Assert.True(ExecutionProviderSelector.TryParse(text, out var p));
        Assert.Equal(expected, p);
        Assert.Equal(text.Trim().ToLowerInvariant(), ExecutionProviderSelector.Name(p));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_names_do_not_parse(string? text) => Assert.False(ExecutionProviderSelector.TryParse(text, out _));

    [Fact]
    public void The_nuget_library_of_this_machine_lists_only_the_cpu_provider()
    {
        var available = ExecutionProviderSelector.AvailableProviders();
        Assert.Contains("CPUExecutionProvider", available);
        Assert.DoesNotContain("CUDAExecutionProvider", available);
        Assert.DoesNotContain("TensorrtExecutionProvider", available);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cpu, new[] { "CPUExecutionProvider" }, ExecutionProvider.Cpu, false)]
    [InlineData(ExecutionProvider.Cuda, new[] { "CPUExecutionProvider" }, ExecutionProvider.Cpu, true)]
    [InlineData(ExecutionProvider.TensorRT, new[] { "CUDAExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.Cpu, true)]
    [InlineData(ExecutionProvider.Xnnpack, new[] { "XnnpackExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.Xnnpack, false)]
    [InlineData(ExecutionProvider.Cuda, new[] { "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.Cuda, false)]
    [InlineData(ExecutionProvider.Auto, new[] { "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.TensorRT, false)]
    [InlineData(ExecutionProvider.Auto, new[] { "CUDAExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.Cuda, false)]
    [InlineData(ExecutionProvider.Auto, new[] { "XnnpackExecutionProvider", "CPUExecutionProvider" }, ExecutionProvider.Cpu, false)]
    public void Resolve_takes_the_provider_when_the_library_lists_it(ExecutionProvider requested, string[] available, ExecutionProvider expected, bool fallsBack)
    {
        var (used, fallback) = ExecutionProviderSelector.Resolve(requested, available);
        Assert.Equal(expected, used);
        Assert.Equal(fallsBack, fallback is not null);
        if (fallback is not null)
        {
            Assert.Contains($"execution provider {ExecutionProviderSelector.Name(requested)} is not in the loaded ONNX Runtime", fallback);
            Assert.Contains(string.Join(", ", available), fallback);
            Assert.Contains("running on cpu", fallback);
        }
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda)]
    [InlineData(ExecutionProvider.TensorRT)]
    [InlineData(ExecutionProvider.Xnnpack)]
    public void A_provider_the_loaded_library_lacks_falls_back_to_a_working_cpu_session(ExecutionProvider requested)
    {
        var created = ExecutionProviderSelector.CreateSession(model, () => new Microsoft.ML.OnnxRuntime.SessionOptions(), requested, new ExecutionProviderOptions());
        using var session = created.Session;
        Assert.Equal(requested, created.Requested);
        Assert.Equal(ExecutionProvider.Cpu, created.Used);
        Assert.Contains("is not in the loaded ONNX Runtime native library (it offers CPUExecutionProvider)", created.Fallback);
        Assert.Equal(2, Run(session).Length);
    }

    [Fact]
    public void Auto_on_a_cpu_only_library_runs_on_the_cpu_without_a_warning()
    {
        var created = ExecutionProviderSelector.CreateSession(model, () => new Microsoft.ML.OnnxRuntime.SessionOptions(), ExecutionProvider.Auto, new ExecutionProviderOptions());
        using var session = created.Session;
        Assert.Equal(ExecutionProvider.Cpu, created.Used);
        Assert.Null(created.Fallback);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda)]
    [InlineData(ExecutionProvider.TensorRT)]
    public void A_listed_provider_that_fails_to_start_falls_back_to_the_cpu_naming_the_error(ExecutionProvider requested)
    {
        // As on a device whose GPU build of libonnxruntime lists CUDA but cannot load it (no CUDA libraries):
        // this machine's CPU-only library refuses to append the provider for real.
        string cache = Path.Combine(folder, "engines");
        var created = ExecutionProviderSelector.CreateSession(model, () => new Microsoft.ML.OnnxRuntime.SessionOptions(), requested,
            new ExecutionProviderOptions { TensorRtEngineCacheFolder = cache }, JetPack);
        using var session = created.Session;
        Assert.Equal(ExecutionProvider.Cpu, created.Used);
        Assert.StartsWith($"execution provider {ExecutionProviderSelector.Name(requested)} did not start (", created.Fallback);
        Assert.EndsWith("); running on cpu", created.Fallback);
        Assert.Equal(2, Run(session).Length);
    }

    [Fact]
    public void TensorRT_that_fails_to_start_tries_cuda_before_the_cpu()
    {
        // On a CUDA machine without TensorRT's libnvinfer, TensorRT is listed but cannot start while CUDA can:
        // the chain must try CUDA next (here CUDA cannot start either, so both errors are named, then the CPU).
        Assert.Equal([ExecutionProvider.TensorRT, ExecutionProvider.Cuda], ExecutionProviderSelector.Chain(ExecutionProvider.TensorRT, JetPack));
        Assert.Equal([ExecutionProvider.TensorRT], ExecutionProviderSelector.Chain(ExecutionProvider.TensorRT, ["TensorrtExecutionProvider", "CPUExecutionProvider"]));
        Assert.Equal([ExecutionProvider.Cuda], ExecutionProviderSelector.Chain(ExecutionProvider.Cuda, JetPack));
        Assert.Empty(ExecutionProviderSelector.Chain(ExecutionProvider.Cpu, JetPack));
        var created = ExecutionProviderSelector.CreateSession(model, () => new Microsoft.ML.OnnxRuntime.SessionOptions(), ExecutionProvider.Auto,
            new ExecutionProviderOptions { TensorRtEngineCacheFolder = Path.Combine(folder, "engines") }, JetPack);
        using var session = created.Session;
        Assert.Equal(ExecutionProvider.Cpu, created.Used);
        Assert.Contains("execution provider tensorrt did not start (", created.Fallback);
        Assert.Contains("; execution provider cuda did not start (", created.Fallback);
        Assert.EndsWith("; running on cpu", created.Fallback);
    }

    [Fact]
    public void Engine_cache_defaults_to_the_systemd_state_directory()
    {
        string? saved = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        try
        {
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", "/var/lib/edgeagent:/var/lib/other");
            Assert.Equal("/var/lib/edgeagent/tensorrt-engines", new ExecutionProviderOptions().ResolveEngineCacheFolder());
            Assert.Equal("/data/trt", new ExecutionProviderOptions { TensorRtEngineCacheFolder = "/data/trt" }.ResolveEngineCacheFolder());
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", null);
            Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "tensorrt-engines"), new ExecutionProviderOptions().ResolveEngineCacheFolder());
        }
        finally
        {
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", saved);
        }
    }

    [Fact]
    public void Provider_options_are_checked_naming_the_setting()
    {
        var errors = new ExecutionProviderOptions { DeviceId = -1, XnnpackThreads = -2 }.Check("EdgeAgent:ProviderOptions");
        Assert.Contains("EdgeAgent:ProviderOptions:DeviceId -1 must be between 0 and 63 (the CUDA device index)", errors);
        Assert.Contains("EdgeAgent:ProviderOptions:XnnpackThreads -2 must be 0 (one per core) or between 1 and 256", errors);
        Assert.Empty(new ExecutionProviderOptions().Check("x"));
    }

    private static float[] Run(Microsoft.ML.OnnxRuntime.InferenceSession session)
    {
        using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new float[3 * 4 * 4], [1, 3, 4, 4]);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["logits"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, Precision.Int8, true)]
    [InlineData(ExecutionProvider.Cuda, Precision.Fp32, false)]
    [InlineData(ExecutionProvider.TensorRT, Precision.Int8, false)]
    [InlineData(ExecutionProvider.Cpu, Precision.Int8, false)]
    [InlineData(ExecutionProvider.Xnnpack, Precision.Fp16, false)]
    public void An_int8_bundle_on_cuda_is_warned_about(ExecutionProvider used, Precision precision, bool warned)
    {
        string? advice = ExecutionProviderSelector.PrecisionAdvice(used, precision);
        Assert.Equal(warned, advice is not null);
        if (warned) Assert.Contains("deploy the fp32 bundle on cuda, or use tensorrt for int8", advice, StringComparison.Ordinal);
    }
}
