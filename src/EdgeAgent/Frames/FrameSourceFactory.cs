using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Creates the <see cref="IFrameSource"/> named by <see cref="FrameSourceOptions.Kind"/>.</summary>
public static class FrameSourceFactory
{
    /// <summary>Creates the source; throws naming the setting for an unknown kind.</summary>
    public static IFrameSource Create(FrameSourceOptions options, ILogger logger, SourceEvents events) => options.Kind switch
    {
        "v4l2" => new V4l2FrameSource(options, logger, events),
        "mjpeg" => new MjpegStreamFrameSource(options, logger, events),
        "folder" => new FolderFrameSource(options, logger, events),
        "synthetic" => new SyntheticFrameSource(options),
        _ => throw new ArgumentException($"EdgeAgent:Source:Kind '{options.Kind}' is not one of {string.Join(", ", FrameSourceOptions.Kinds)}"),
    };
}
