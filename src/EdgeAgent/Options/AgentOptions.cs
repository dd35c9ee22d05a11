using System.Diagnostics.CodeAnalysis;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>Settings of the agent, bound from the <c>EdgeAgent</c> configuration section.</summary>
public sealed class AgentOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "EdgeAgent";

    /// <summary>Bundle folder (manifest.json + model). Required.</summary>
    public string Bundle { get; set; } = "";

    /// <summary>Seconds between checks of the bundle folder for a new model; 0 disables hot reload.</summary>
    public double ReloadPollSeconds { get; set; } = 2;

    /// <summary>Longest a bundle load (read, hash, session, warm-up) may take; a slower one is refused and reported, and later bundles still load.</summary>
    public double ReloadTimeoutSeconds { get; set; } = 120;

    /// <summary><c>--bench</c>: stop with an error when the source delivers no frame for this long (an empty folder, a file without JPEG frames).</summary>
    public double BenchIdleSeconds { get; set; } = 30;

    /// <summary>Number of labels reported per frame.</summary>
    public int TopK { get; set; } = 3;

    /// <summary>ONNX Runtime intra-op threads; 0 = automatic (see <see cref="InferenceThreads"/>).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// The intra-op threads the session gets: <see cref="IntraOpThreads"/> when set; with
    /// <see cref="OverlapDecode"/> on a multi-core device, one core fewer than <paramref name="processorCount"/>
    /// so the decode thread has a core of its own instead of pre-empting ONNX Runtime's spinning workers;
    /// otherwise 0 (ONNX Runtime's default, one per physical core).
    /// </summary>
    public int InferenceThreads(int processorCount) =>
        IntraOpThreads > 0 ? IntraOpThreads
        : OverlapDecode && processorCount > 1 ? processorCount - 1
        : 0;

    /// <summary>
    /// ONNX Runtime execution provider: <c>cpu</c> (default), <c>cuda</c>, <c>tensorrt</c>, <c>xnnpack</c> or
    /// <c>auto</c>. One the loaded native library lacks falls back to the CPU with one log line; the status and
    /// bench report name the provider that ran.
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>Device id, TensorRT fp16/int8 and engine cache, XNNPACK threads (<c>EdgeAgent:ProviderOptions</c>).</summary>
    public ExecutionProviderOptions ProviderOptions { get; set; } = new();

    /// <summary>
    /// ONNX Runtime's CPU memory arena and memory-pattern planning (<c>SessionOptions.EnableCpuMemArena</c>,
    /// <c>EnableMemoryPattern</c>): true keeps freed activation buffers for reuse; false returns them, for a smaller
    /// resident set on a small device (docs/benchmarks.md, "Agent footprint").
    /// </summary>
    public bool OrtMemoryArena { get; set; } = true;

    /// <summary>Capacity of the frame channel between capture and processing (oldest dropped when full).</summary>
    public int ChannelCapacity { get; set; } = 2;

    /// <summary>
    /// Decode and preprocess on their own thread so they overlap inference of the previous frame; false runs
    /// decode, preprocess and inference one after the other on one thread.
    /// </summary>
    public bool OverlapDecode { get; set; } = true;

    /// <summary>Pre-allocated model inputs cycling between the decode and inference threads (with <see cref="OverlapDecode"/>); 2 = double buffering.</summary>
    public int InputBuffers { get; set; } = 2;

    /// <summary>Largest decoded image (width x height) accepted; larger frames are refused before decoding.</summary>
    public long MaxPixels { get; set; } = 4096L * 4096;

    /// <summary>Upper bound of memory one ImageSharp allocation may take, in megabytes.</summary>
    public int DecoderMemoryLimitMegabytes { get; set; } = 256;

    /// <summary>
    /// <c>auto</c>: decode a baseline JPEG at 1/8 or 1/4 size when that still covers the model input;
    /// <c>off</c>: always decode full size with ImageSharp (<see cref="Processing.ReducedJpegDecodingMode"/>). Bound as
    /// the configured text, like <see cref="FrameSourceOptions.Kind"/>, so that <see cref="AgentOptionsValidator"/> names a wrong value.
    /// </summary>
    public string ReducedJpegDecoding { get; set; } = "auto";

    /// <summary><see cref="ReducedJpegDecoding"/> typed; throws naming the setting when it names no mode (<see cref="AgentOptionsValidator"/> refuses that at start).</summary>
    public ReducedJpegDecodingMode ReducedJpegDecodingMode => Typed<ReducedJpegDecodingMode>(ReducedJpegDecoding, nameof(ReducedJpegDecoding));

    /// <summary>Optional JSON-lines file receiving one prediction per frame.</summary>
    public string? ResultsFile { get; set; }

    /// <summary>Every Nth prediction is written to the log; 0 disables.</summary>
    public int LogEveryNthFrame { get; set; } = 100;

    /// <summary>Seconds between latency summaries (log + status file).</summary>
    public double SummarySeconds { get; set; } = 10;

    /// <summary>
    /// Frames of the serving model the status's <c>recent</c> figures cover (p95 total and inference latency,
    /// mean top-1 probability), the figures the fleet playbook's canary gate compares.
    /// </summary>
    public int RecentFrames { get; set; } = Telemetry.RecentFrameWindow.DefaultCapacity;

    /// <summary>JSON status file rewritten atomically at every summary; empty disables.</summary>
    public string StatusFile { get; set; } = "edgeagent-status.json";

    /// <summary>JSON report written by <c>--bench N</c>.</summary>
    public string BenchReportFile { get; set; } = "edgeagent-bench.json";

    /// <summary>The health endpoint reports 503 when no frame was processed for this many seconds.</summary>
    public double HealthStaleSeconds { get; set; } = 10;

    /// <summary>Where frames come from.</summary>
    public FrameSourceOptions Source { get; set; } = new();

    /// <summary>Prometheus, OTLP and health endpoints.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>The live page (off by default).</summary>
    public LivePageOptions LivePage { get; set; } = new();

    /// <summary>Frame capture for the next dataset (off by default).</summary>
    public CaptureOptions Capture { get; set; } = new();

    /// <summary>GPIO outputs driven by predictions (none by default).</summary>
    public GpioOptions Gpio { get; set; } = new();

    /// <summary>
    /// A setting bound as text, read typed: the value <paramref name="text"/> names, or an exception naming the setting
    /// (<c>EdgeAgent:</c> + <paramref name="setting"/>) and the accepted names.
    /// </summary>
    internal static TEnum Typed<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>(string? text, string setting) where TEnum : struct, Enum =>
        KebabCase.TryParse(text, out TEnum value)
            ? value
            : throw new InvalidOperationException($"{SectionName}:{setting} {KebabCase.UnknownMessage<TEnum>(text)}");
}
