using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Creates the <see cref="IFrameSource"/> named by <see cref="FrameSourceOptions.SourceKind"/>.</summary>
public static class FrameSourceFactory
{
    /// <summary>Creates the source; throws naming the setting for an unknown kind.</summary>
    public static IFrameSource Create(FrameSourceOptions options, ILogger logger, SourceEvents events) => options.SourceKind switch
    {
        SourceKind.V4l2 => new V4l2FrameSource(options, logger, events),
        SourceKind.Mjpeg => new MjpegStreamFrameSource(options, logger, events),
        SourceKind.Folder => new FolderFrameSource(options, logger, events),
        _ => new SyntheticFrameSource(options),
    };
}
