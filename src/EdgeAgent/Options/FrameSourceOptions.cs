namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>Settings of the frame source (<c>EdgeAgent:Source</c>).</summary>
public sealed class FrameSourceOptions
{
    /// <summary>Source kinds understood by <see cref="Frames.FrameSourceFactory"/>.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["v4l2", "mjpeg", "folder", "synthetic"];

    /// <summary><c>v4l2</c>, <c>mjpeg</c>, <c>folder</c> or <c>synthetic</c>.</summary>
    public string Kind { get; set; } = "synthetic";

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

    /// <summary>v4l2: <c>mjpeg</c> or <c>yuyv</c>; synthetic: <c>rgb</c>, <c>yuyv</c> or <c>jpeg</c>.</summary>
    public string PixelFormat { get; set; } = "mjpeg";

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
