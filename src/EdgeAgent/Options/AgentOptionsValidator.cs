using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;
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
        if (!Enum.IsDefined(o.ExecutionProvider))
            e.Add($"{p}:ExecutionProvider {(int)o.ExecutionProvider} is not one of {string.Join(", ", ExecutionProviderSelector.Names)}");
        e.AddRange(o.ProviderOptions.Check($"{p}:{ExecutionProviderOptions.SectionName}"));
        if (o.ChannelCapacity is < 1 or > 1024) e.Add($"{p}:ChannelCapacity {o.ChannelCapacity} must be between 1 and 1024");
        if (o.InputBuffers is < 2 or > 16) e.Add($"{p}:InputBuffers {o.InputBuffers} must be between 2 and 16 (model inputs cycling between the decode and inference threads)");
        if (o.MaxPixels < 1) e.Add($"{p}:MaxPixels {o.MaxPixels} must be positive");
        if (o.DecoderMemoryLimitMegabytes < 16) e.Add($"{p}:DecoderMemoryLimitMegabytes {o.DecoderMemoryLimitMegabytes} must be at least 16");
        if (!KebabCase.TryParse(o.ReducedJpegDecoding, out ReducedJpegDecodingMode _))
            e.Add($"{p}:ReducedJpegDecoding {KebabCase.UnknownMessage<ReducedJpegDecodingMode>(o.ReducedJpegDecoding)}");
        if (o.LogEveryNthFrame < 0) e.Add($"{p}:LogEveryNthFrame {o.LogEveryNthFrame} must be 0 (off) or positive");
        if (o.RecentFrames is < 1 or > 100_000) e.Add($"{p}:RecentFrames {o.RecentFrames} must be between 1 and 100000");
        if (o.SummarySeconds <= 0) e.Add($"{p}:SummarySeconds {o.SummarySeconds} must be positive");
        if (o.HealthStaleSeconds <= 0) e.Add($"{p}:HealthStaleSeconds {o.HealthStaleSeconds} must be positive");

        var s = o.Source;
        // Kind and PixelFormat are bound as text (FrameSourceOptions), so a wrong name is named here rather than by the binder.
        SourceKind? kind = KebabCase.TryParse(s.Kind, out SourceKind parsedKind) ? parsedKind : null;
        SourcePixelFormat? format = KebabCase.TryParse(s.PixelFormat, out SourcePixelFormat parsedFormat) ? parsedFormat : null;
        if (kind is null)
            e.Add($"{p}:Source:Kind {KebabCase.UnknownMessage<SourceKind>(s.Kind)}");
        if (kind == SourceKind.Folder && string.IsNullOrWhiteSpace(s.Path))
            e.Add($"{p}:Source:Path is required for Source:Kind 'folder' (a folder of JPEG/PNG/BMP images)");
        if (kind == SourceKind.Folder && !string.IsNullOrWhiteSpace(s.Path) && !Directory.Exists(s.Path))
            e.Add($"{p}:Source:Path '{s.Path}' is not an existing folder");
        if (kind == SourceKind.Mjpeg && string.IsNullOrWhiteSpace(s.Path) && string.IsNullOrWhiteSpace(s.Command))
            e.Add($"{p}:Source:Path or {p}:Source:Command is required for Source:Kind 'mjpeg' (a file, '-' for stdin, or a command)");
        if (kind == SourceKind.V4l2 && format is not (SourcePixelFormat.Mjpeg or SourcePixelFormat.Yuyv))
            e.Add($"{p}:Source:PixelFormat '{s.PixelFormat}' is not one of mjpeg, yuyv (for Source:Kind 'v4l2')");
        if (kind == SourceKind.Synthetic && format is null)
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

        var live = o.LivePage;
        if (live.Enabled && live.Port is < 1 or > 65535) e.Add($"{p}:LivePage:Port {live.Port} must be between 1 and 65535");
        if (live.Enabled && string.IsNullOrWhiteSpace(live.Host)) e.Add($"{p}:LivePage:Host is required when {p}:LivePage:Enabled is true (127.0.0.1 keeps the page on this device)");
        if (live.UpdatesPerSecond is < 0.2 or > 10 || double.IsNaN(live.UpdatesPerSecond))
            e.Add($"{p}:LivePage:UpdatesPerSecond {live.UpdatesPerSecond} must be between 0.2 and 10");

        var c = o.Capture;
        if (!string.IsNullOrWhiteSpace(c.Folder))
        {
            if (c.EveryNthFrame <= 0 && c.BelowProbability <= 0 && c.Labels.Count == 0)
                e.Add($"{p}:Capture:Folder is set but no rule chooses frames (set {p}:Capture:EveryNthFrame, BelowProbability or Labels)");
            if (File.Exists(c.Folder)) e.Add($"{p}:Capture:Folder '{c.Folder}' is a file, not a folder");
        }
        if (c.EveryNthFrame < 0) e.Add($"{p}:Capture:EveryNthFrame {c.EveryNthFrame} must be 0 (off) or positive");
        if (c.BelowProbability is < 0 or > 1 || double.IsNaN(c.BelowProbability)) e.Add($"{p}:Capture:BelowProbability {c.BelowProbability} must be between 0 (off) and 1");
        for (int i = 0; i < c.Labels.Count; i++)
            if (string.IsNullOrWhiteSpace(c.Labels[i])) e.Add($"{p}:Capture:Labels:{i} is empty");
        if (c.BudgetMegabytes is < 1 || double.IsNaN(c.BudgetMegabytes)) e.Add($"{p}:Capture:BudgetMegabytes {c.BudgetMegabytes} must be at least 1");
        if (c.QueueCapacity is < 1 or > 1024) e.Add($"{p}:Capture:QueueCapacity {c.QueueCapacity} must be between 1 and 1024");
        if (c.JpegQuality is < 1 or > 100) e.Add($"{p}:Capture:JpegQuality {c.JpegQuality} must be between 1 and 100");

        if (o.Gpio.Chip < 0) e.Add($"{p}:Gpio:Chip {o.Gpio.Chip} must be 0 or positive (the N of /dev/gpiochipN)");
        var pins = new Dictionary<int, int>();
        for (int i = 0; i < o.Gpio.Rules.Count; i++)
        {
            var r = o.Gpio.Rules[i];
            string k = $"{p}:Gpio:Rules:{i}";
            if (string.IsNullOrWhiteSpace(r.Label)) e.Add($"{k}:Label is required (the label that drives the pin)");
            if (r.MinProbability is <= 0 or > 1 || double.IsNaN(r.MinProbability)) e.Add($"{k}:MinProbability {r.MinProbability} must be above 0 and at most 1");
            if (r.ConsecutiveFrames is < 1 or > 10_000) e.Add($"{k}:ConsecutiveFrames {r.ConsecutiveFrames} must be between 1 and 10000");
            if (r.Pin < 0) e.Add($"{k}:Pin {r.Pin} must be a GPIO line number (BCM numbering on a Raspberry Pi, e.g. 17 for header pin 11)");
            else if (pins.TryGetValue(r.Pin, out int other)) e.Add($"{k}:Pin {r.Pin} is already driven by {p}:Gpio:Rules:{other}");
            else pins[r.Pin] = i;
            if (r.HoldMilliseconds is < 1 or > 3_600_000) e.Add($"{k}:HoldMilliseconds {r.HoldMilliseconds} must be between 1 and 3600000");
            if (r.CooldownMilliseconds is < 0 or > 86_400_000) e.Add($"{k}:CooldownMilliseconds {r.CooldownMilliseconds} must be between 0 and 86400000");
        }
        return e;
    }
}
