using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>
/// Settings of the frame source (<c>EdgeAgent:Source</c>). <see cref="Kind"/> and <see cref="PixelFormat"/> are bound as
/// the configured text, so that a wrong name reaches <see cref="AgentOptionsValidator"/>, which names the setting (an
/// enum-typed property would make the configuration binder throw first); the code reads them typed, as
/// <see cref="SourceKind"/> and <see cref="SourcePixelFormat"/>.
/// </summary>
public sealed class FrameSourceOptions
{
    /// <summary>Source kinds understood by <see cref="FrameSourceFactory"/>: the kebab-case names of <see cref="Frames.SourceKind"/>.</summary>
    public static IReadOnlyList<string> Kinds => KebabCase.Names<SourceKind>();

    /// <summary><c>v4l2</c>, <c>mjpeg</c>, <c>folder</c> or <c>synthetic</c> (<see cref="Frames.SourceKind"/>).</summary>
    public string Kind { get; set; } = "synthetic";

    /// <summary><see cref="Kind"/> typed; throws naming the setting when it names no kind (<see cref="AgentOptionsValidator"/> refuses that at start).</summary>
    public SourceKind SourceKind => AgentOptions.Typed<SourceKind>(Kind, "Source:Kind");

    /// <summary>mjpeg: a file of concatenated JPEGs or <c>-</c> for stdin; folder: the image folder.</summary>
    public string? Path { get; set; }

    /// <summary>mjpeg: a command whose stdout is an MJPEG stream, e.g. <c>ffmpeg -i ... -f mjpeg -</c> (wins over Path).</summary>
    public string? Command { get; set; }

    /// <summary>v4l2: the device, e.g. <c>/dev/video0</c>.</summary>
    public string Device { get; set; } = "/dev/video0";

    /// <summary>v4l2 and synthetic: frame width.</summary>
    public int Width { get; set; } = 640;

    /// <summary>v4l2 and synthetic: frame height.</summary>
    public int Height { get; set; } = 480;

    /// <summary>v4l2: <c>mjpeg</c> or <c>yuyv</c>; synthetic: <c>rgb</c>, <c>yuyv</c> or <c>jpeg</c> (<see cref="Frames.SourcePixelFormat"/>).</summary>
    public string PixelFormat { get; set; } = "mjpeg";

    /// <summary><see cref="PixelFormat"/> typed; throws naming the setting when it names no format (<see cref="AgentOptionsValidator"/> refuses that at start).</summary>
    public SourcePixelFormat SourcePixelFormat => AgentOptions.Typed<SourcePixelFormat>(PixelFormat, "Source:PixelFormat");

    /// <summary>folder and synthetic: frames per second; 0 = as fast as processing accepts them.</summary>
    public double FramesPerSecond { get; set; }

    /// <summary>folder and mjpeg file: start again at the end.</summary>
    public bool Loop { get; set; } = true;

    /// <summary>mjpeg and folder: largest frame (JPEG in the stream, image file) accepted, in bytes; larger ones are skipped and counted.</summary>
    public int MaxFrameBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>First delay before reopening a lost camera or restarting a dead child process.</summary>
    public double RetryInitialSeconds { get; set; } = 0.5;

    /// <summary>Longest delay between retries (exponential back-off is capped here).</summary>
    public double RetryMaxSeconds { get; set; } = 30;
}
