using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// Creates ONNX Runtime sessions on the requested <see cref="ExecutionProvider"/>. A provider that the loaded
/// native library does not list (<c>OrtEnv.GetAvailableProviders</c>: the NuGet package's libonnxruntime is
/// CPU-only) or that fails to start (a GPU build without the CUDA libraries) falls back to the CPU provider,
/// and the result says so in one line. The one place where sessions get a provider: the agent and
/// <c>edgekit bench</c> both come here.
/// </summary>
public static class ExecutionProviderSelector
{
    /// <summary>The configuration names, in <see cref="ExecutionProvider"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "cuda", "tensorrt", "xnnpack", "auto"];

    /// <summary>The configuration name of <paramref name="provider"/> (<c>cpu</c>, <c>cuda</c>, ...).</summary>
    public static string Name(ExecutionProvider provider) => Names[(int)provider];

    /// <summary>Parses a configuration name (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? text, out ExecutionProvider provider)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(text?.Trim(), Names[i], StringComparison.OrdinalIgnoreCase))
            {
                provider = (ExecutionProvider)i;
                return true;
            }
        }
        provider = ExecutionProvider.Cpu;
        return false;
    }

    /// <summary>ONNX Runtime's name of a concrete provider (as <c>GetAvailableProviders</c> lists it).</summary>
    public static string OrtName(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cpu => "CPUExecutionProvider",
        ExecutionProvider.Cuda => "CUDAExecutionProvider",
        ExecutionProvider.TensorRT => "TensorrtExecutionProvider",
        ExecutionProvider.Xnnpack => "XnnpackExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "auto is resolved to a concrete provider first"),
    };

    /// <summary>
    /// A one-line warning when the bundle's precision runs badly on the provider in use, else null: an int8 (QDQ) bundle
    /// on CUDA, whose provider has no fused int8 convolutions and runs the graph with its Q/DQ pairs (measured
    /// 2026-11-30 on an NVIDIA H200, torchvision MobileNetV2 224x224: int8 2.16 ms against fp32 1.14 ms).
    /// </summary>
    public static string? PrecisionAdvice(ExecutionProvider used, Precision precision) =>
        used == ExecutionProvider.Cuda && precision == Precision.Int8
            ? "an int8 (QDQ) bundle on cuda runs slower than its fp32 bundle (ONNX Runtime's CUDA provider does not fuse QDQ convolutions: " +
              "MobileNetV2 224x224 on an H200 int8 2.16 ms, fp32 1.14 ms); deploy the fp32 bundle on cuda, or use tensorrt for int8"
            : null;

    /// <summary>The providers the loaded ONNX Runtime native library was built with.</summary>
    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>
    /// The provider a session for <paramref name="requested"/> runs on, given the library's
    /// <paramref name="available"/> providers, and a one-line reason when that is not the one asked for.
    /// <see cref="ExecutionProvider.Auto"/> takes TensorRT, then CUDA, else the CPU (no reason: that is its job).
    /// </summary>
    public static (ExecutionProvider Used, string? Fallback) Resolve(ExecutionProvider requested, IReadOnlyCollection<string> available)
    {
        bool Has(ExecutionProvider p) => available.Contains(OrtName(p), StringComparer.Ordinal);
        switch (requested)
        {
            case ExecutionProvider.Cpu:
                return (ExecutionProvider.Cpu, null);
            case ExecutionProvider.Auto:
                return (Has(ExecutionProvider.TensorRT) ? ExecutionProvider.TensorRT : Has(ExecutionProvider.Cuda) ? ExecutionProvider.Cuda : ExecutionProvider.Cpu, null);
            default:
                return Has(requested)
                    ? (requested, null)
                    : (ExecutionProvider.Cpu, $"execution provider {Name(requested)} is not in the loaded ONNX Runtime native library " +
                        $"(it offers {string.Join(", ", available)}); running on cpu. A GPU needs a GPU build of libonnxruntime.so beside the agent (docs/deploy.md, Jetson)");
        }
    }

    /// <summary>
    /// Creates a session for <paramref name="modelPath"/> with the options <paramref name="baseOptions"/> makes
    /// (a fresh object per attempt; disposed here) plus the provider. Falls back to the CPU when the provider is
    /// missing or fails to start; a model ONNX Runtime refuses on the CPU throws <see cref="OnnxRuntimeException"/>.
    /// </summary>
    /// <param name="modelPath">The ONNX model file.</param>
    /// <param name="baseOptions">Makes the session options without a provider (threads, optimisation level).</param>
    /// <param name="requested">The provider asked for.</param>
    /// <param name="options">Device id, TensorRT and XNNPACK settings.</param>
    /// <param name="available">The library's providers; null asks the loaded library.</param>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification =
        "A factory: the session is handed out in the returned ProviderSession, whose caller owns and disposes it (ModelRunner, LatencyBenchmark).")]
    public static ProviderSession CreateSession(string modelPath, Func<SessionOptions> baseOptions, ExecutionProvider requested,
        ExecutionProviderOptions options, IReadOnlyCollection<string>? available = null)
    {
        var list = available ?? AvailableProviders();
        var (used, fallback) = Resolve(requested, list);
        // A provider the library lists can still fail to start (TensorRT's libnvinfer missing, no GPU): then the next
        // one down the chain is tried (TensorRT -> CUDA), and the CPU last. Seen on a CUDA machine without TensorRT:
        // before this chain, `auto` and `tensorrt` fell straight to the CPU although CUDA worked (docs/deploy.md).
        foreach (var candidate in Chain(used, list))
        {
            using var sessionOptions = baseOptions();
            try
            {
                Append(sessionOptions, candidate, options);
                return new ProviderSession(new InferenceSession(modelPath, sessionOptions), requested, candidate, fallback);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
            {
                string firstLine = e.Message.Split('\n', 2)[0].Trim();
                string failed = $"execution provider {Name(candidate)} did not start ({firstLine})";
                fallback = fallback is null ? failed : $"{fallback}; {failed}";
            }
        }
        if (fallback is not null && !fallback.EndsWith("running on cpu", StringComparison.Ordinal)) fallback += "; running on cpu";
        using var cpu = baseOptions();
        return new ProviderSession(new InferenceSession(modelPath, cpu), requested, ExecutionProvider.Cpu, fallback);
    }

    /// <summary>
    /// The providers to try, in order, for a resolved non-CPU provider: TensorRT is followed by CUDA when the
    /// library lists it (TensorRT's own sessions put the nodes it does not take on CUDA anyway).
    /// </summary>
    public static IReadOnlyList<ExecutionProvider> Chain(ExecutionProvider resolved, IReadOnlyCollection<string> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return resolved switch
        {
            ExecutionProvider.Cpu or ExecutionProvider.Auto => [],
            ExecutionProvider.TensorRT when available.Contains(OrtName(ExecutionProvider.Cuda), StringComparer.Ordinal)
                => [ExecutionProvider.TensorRT, ExecutionProvider.Cuda],
            _ => [resolved],
        };
    }

    private static void Append(SessionOptions so, ExecutionProvider provider, ExecutionProviderOptions o)
    {
        string device = o.DeviceId.ToString(CultureInfo.InvariantCulture);
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                AppendCuda(so, device);
                break;
            case ExecutionProvider.TensorRT:
                string cache = o.ResolveEngineCacheFolder();
                Directory.CreateDirectory(cache);
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    trt.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = device,
                        ["trt_fp16_enable"] = o.TensorRtFp16 ? "1" : "0",
                        ["trt_int8_enable"] = o.TensorRtInt8 ? "1" : "0",
                        ["trt_engine_cache_enable"] = "1",
                        ["trt_engine_cache_path"] = cache,
                    });
                    so.AppendExecutionProvider_Tensorrt(trt);
                }
                // Nodes TensorRT does not take run on CUDA rather than the CPU.
                AppendCuda(so, device);
                break;
            case ExecutionProvider.Xnnpack:
                // XNNPACK brings its own thread pool; ONNX Runtime's spinning workers would compete with it.
                so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                var xnnpack = new Dictionary<string, string>();
                if (o.XnnpackThreads > 0) xnnpack["intra_op_num_threads"] = o.XnnpackThreads.ToString(CultureInfo.InvariantCulture);
                so.AppendExecutionProvider("XNNPACK", xnnpack);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "not a concrete non-CPU provider");
        }
    }

    // The options-object API goes through the C API and reports a missing provider as an error status; the
    // legacy AppendExecutionProvider_CUDA(int) binds an export a CPU-only library does not have at all.
    private static void AppendCuda(SessionOptions so, string device)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = device });
        so.AppendExecutionProvider_CUDA(cuda);
    }
}
