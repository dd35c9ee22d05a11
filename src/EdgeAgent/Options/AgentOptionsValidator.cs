using Microsoft.Extensions.Options;

namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>Validates <see cref="AgentOptions"/> at start; every message names the setting and what was expected.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions o)
    {
        var errors = Check(o);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Returns one message per invalid setting (empty when all are valid).</summary>
    public static List<string> Check(AgentOptions o)
    {
        const string p = AgentOptions.SectionName;
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Bundle))
            e.Add($"{p}:Bundle is required (the bundle folder holding manifest.json and the model)");
        if (o.ReloadPollSeconds < 0) e.Add($"{p}:ReloadPollSeconds {o.ReloadPollSeconds} must be 0 (off) or positive");
        if (o.ReloadTimeoutSeconds <= 0) e.Add($"{p}:ReloadTimeoutSeconds {o.ReloadTimeoutSeconds} must be positive");
        if (o.BenchIdleSeconds <= 0) e.Add($"{p}:BenchIdleSeconds {o.BenchIdleSeconds} must be positive");
        if (o.TopK < 1) e.Add($"{p}:TopK {o.TopK} must be at least 1");
        if (o.IntraOpThreads < 0) e.Add($"{p}:IntraOpThreads {o.IntraOpThreads} must be 0 (ONNX Runtime default) or positive");
        if (o.ChannelCapacity is < 1 or > 1024) e.Add($"{p}:ChannelCapacity {o.ChannelCapacity} must be between 1 and 1024");
        if (o.InputBuffers is < 2 or > 16) e.Add($"{p}:InputBuffers {o.InputBuffers} must be between 2 and 16 (model inputs cycling between the decode and inference threads)");
        if (o.MaxPixels < 1) e.Add($"{p}:MaxPixels {o.MaxPixels} must be positive");
        if (o.DecoderMemoryLimitMegabytes < 16) e.Add($"{p}:DecoderMemoryLimitMegabytes {o.DecoderMemoryLimitMegabytes} must be at least 16");
        if (o.ReducedJpegDecoding is not ("auto" or "off")) e.Add($"{p}:ReducedJpegDecoding '{o.ReducedJpegDecoding}' is not one of auto, off");
        if (o.LogEveryNthFrame < 0) e.Add($"{p}:LogEveryNthFrame {o.LogEveryNthFrame} must be 0 (off) or positive");
        if (o.SummarySeconds <= 0) e.Add($"{p}:SummarySeconds {o.SummarySeconds} must be positive");
        if (o.HealthStaleSeconds <= 0) e.Add($"{p}:HealthStaleSeconds {o.HealthStaleSeconds} must be positive");

        var s = o.Source;
        if (!FrameSourceOptions.Kinds.Contains(s.Kind))
            e.Add($"{p}:Source:Kind '{s.Kind}' is not one of {string.Join(", ", FrameSourceOptions.Kinds)}");
        if (s.Kind == "folder" && string.IsNullOrWhiteSpace(s.Path))
            e.Add($"{p}:Source:Path is required for Source:Kind 'folder' (a folder of JPEG/PNG/BMP images)");
        if (s.Kind == "folder" && !string.IsNullOrWhiteSpace(s.Path) && !Directory.Exists(s.Path))
            e.Add($"{p}:Source:Path '{s.Path}' is not an existing folder");
        if (s.Kind == "mjpeg" && string.IsNullOrWhiteSpace(s.Path) && string.IsNullOrWhiteSpace(s.Command))
            e.Add($"{p}:Source:Path or {p}:Source:Command is required for Source:Kind 'mjpeg' (a file, '-' for stdin, or a command)");
        if (s.Kind == "v4l2" && s.PixelFormat is not ("mjpeg" or "yuyv"))
            e.Add($"{p}:Source:PixelFormat '{s.PixelFormat}' is not one of mjpeg, yuyv (for Source:Kind 'v4l2')");
        if (s.Kind == "synthetic" && s.PixelFormat is not ("mjpeg" or "jpeg" or "rgb" or "yuyv"))
            e.Add($"{p}:Source:PixelFormat '{s.PixelFormat}' is not one of rgb, yuyv, jpeg (for Source:Kind 'synthetic')");
        if (s.Width is < 2 or > 16384) e.Add($"{p}:Source:Width {s.Width} must be between 2 and 16384");
        if (s.Height is < 2 or > 16384) e.Add($"{p}:Source:Height {s.Height} must be between 2 and 16384");
        if (s.Width % 2 != 0) e.Add($"{p}:Source:Width {s.Width} must be even (YUYV packs two pixels)");
        if (s.FramesPerSecond < 0) e.Add($"{p}:Source:FramesPerSecond {s.FramesPerSecond} must be 0 (unpaced) or positive");
        if (s.MaxFrameBytes < 1024) e.Add($"{p}:Source:MaxFrameBytes {s.MaxFrameBytes} must be at least 1024");
        if (s.RetryInitialSeconds <= 0) e.Add($"{p}:Source:RetryInitialSeconds {s.RetryInitialSeconds} must be positive");
        if (s.RetryMaxSeconds < s.RetryInitialSeconds) e.Add($"{p}:Source:RetryMaxSeconds {s.RetryMaxSeconds} must be at least RetryInitialSeconds ({s.RetryInitialSeconds})");

        var m = o.Metrics;
        if (m.PrometheusPort is < 1 or > 65535) e.Add($"{p}:Metrics:PrometheusPort {m.PrometheusPort} must be between 1 and 65535");
        if (m.HealthPort is < 1 or > 65535) e.Add($"{p}:Metrics:HealthPort {m.HealthPort} must be between 1 and 65535");
        if (!string.IsNullOrWhiteSpace(m.OtlpEndpoint) && !Uri.TryCreate(m.OtlpEndpoint, UriKind.Absolute, out _))
            e.Add($"{p}:Metrics:OtlpEndpoint '{m.OtlpEndpoint}' is not an absolute URI");
        return e;
    }
}
