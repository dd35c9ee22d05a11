using System.Text.Json.Serialization;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>The pixel format a source delivers (<c>EdgeAgent:Source:PixelFormat</c>), spelled in kebab case in configuration.</summary>
public enum SourcePixelFormat
{
    /// <summary>JPEG frames (a V4L2 camera's MJPEG mode; for synthetic frames the same as <see cref="Jpeg"/>).</summary>
    [JsonStringEnumMemberName("mjpeg")]
    Mjpeg,

    /// <summary>JPEG-encoded synthetic frames.</summary>
    [JsonStringEnumMemberName("jpeg")]
    Jpeg,

    /// <summary>Packed 8-bit RGB (synthetic frames).</summary>
    [JsonStringEnumMemberName("rgb")]
    Rgb,

    /// <summary>YUYV 4:2:2 (a V4L2 camera's raw mode, or synthetic frames).</summary>
    [JsonStringEnumMemberName("yuyv")]
    Yuyv,
}
