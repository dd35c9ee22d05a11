using System.Text.Json.Serialization;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>The kind of frame source (<c>EdgeAgent:Source:Kind</c>), spelled in kebab case in configuration.</summary>
public enum SourceKind
{
    /// <summary>A V4L2 camera (<see cref="V4l2FrameSource"/>).</summary>
    [JsonStringEnumMemberName("v4l2")]
    V4l2,

    /// <summary>An MJPEG byte stream: a file, stdin or a child process (<see cref="MjpegStreamFrameSource"/>).</summary>
    [JsonStringEnumMemberName("mjpeg")]
    Mjpeg,

    /// <summary>A folder of JPEG/PNG/BMP images (<see cref="FolderFrameSource"/>).</summary>
    [JsonStringEnumMemberName("folder")]
    Folder,

    /// <summary>Generated frames (<see cref="SyntheticFrameSource"/>).</summary>
    [JsonStringEnumMemberName("synthetic")]
    Synthetic,
}
