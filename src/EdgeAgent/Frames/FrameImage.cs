using EdgeToolkit.EdgeAgent.Processing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// A frame's bytes as an image file, for the live page and frame capture: an encoded frame (JPEG, PNG, BMP) is
/// kept as it came (no re-encode); a raw YUYV or RGB24 frame is encoded as JPEG.
/// </summary>
public static class FrameImage
{
    /// <summary>The image kind of encoded bytes: <c>jpeg</c>, <c>png</c> or <c>bmp</c> (what the agent decodes).</summary>
    public static string EncodedKind(ReadOnlySpan<byte> encoded) => Preprocessing.ImageHeader.Read(encoded).Format switch
    {
        "png" => "png",
        "bmp" => "bmp",
        _ => "jpeg",
    };

    /// <summary>The MIME type of an image kind from <see cref="EncodedKind"/>.</summary>
    public static string ContentType(string kind) => "image/" + kind;

    /// <summary>The file extension of an image kind from <see cref="EncodedKind"/> (<c>.jpg</c> for JPEG).</summary>
    public static string Extension(string kind) => kind == "jpeg" ? ".jpg" : "." + kind;

    /// <summary>Encodes a raw <paramref name="format"/> frame (<see cref="FrameFormat.Yuyv"/> or <see cref="FrameFormat.Rgb24"/>) as JPEG.</summary>
    public static byte[] RawToJpeg(ReadOnlySpan<byte> raw, FrameFormat format, int width, int height, int quality)
    {
        if (format == FrameFormat.Encoded) throw new ArgumentException("the frame is already encoded", nameof(format));
        ReadOnlySpan<byte> rgb = raw;
        if (format == FrameFormat.Yuyv)
        {
            var converted = new byte[width * height * 3];
            YuyvConverter.ToRgb24(raw[..(width * height * 2)], converted);
            rgb = converted;
        }
        using var image = Image.LoadPixelData<Rgb24>(rgb[..(width * height * 3)], width, height);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
        return ms.ToArray();
    }
}
