using EdgeToolkit.EdgeAgent.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Generated frames (moving colour gradients) in RGB, YUYV or JPEG, at a rate or as fast as they are taken.</summary>
public sealed class SyntheticFrameSource : IFrameSource
{
    private const int Patterns = 8;
    private readonly FrameSourceOptions options;
    private readonly byte[][] patterns;
    private readonly FrameFormat format;

    /// <summary>Pre-generates the frames so delivering one is a copy.</summary>
    public SyntheticFrameSource(FrameSourceOptions options)
    {
        this.options = options;
        int w = options.Width, h = options.Height;
        format = options.SourcePixelFormat switch
        {
            SourcePixelFormat.Yuyv => FrameFormat.Yuyv,
            SourcePixelFormat.Jpeg or SourcePixelFormat.Mjpeg => FrameFormat.Encoded,
            _ => FrameFormat.Rgb24,
        };
        patterns = new byte[Patterns][];
        for (int k = 0; k < Patterns; k++)
        {
            var rgb = new byte[w * h * 3];
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                rgb[i] = (byte)((x * 255 / w + k * 32) & 255);
                rgb[i + 1] = (byte)((y * 255 / h + k * 16) & 255);
                rgb[i + 2] = (byte)(((x + y) * 255 / (w + h) + k * 48) & 255);
            }
            patterns[k] = format switch
            {
                FrameFormat.Yuyv => RgbToYuyv(rgb, w, h),
                FrameFormat.Encoded => EncodeJpeg(rgb, w, h),
                _ => rgb,
            };
        }
    }

    /// <inheritdoc />
    public string Description => $"synthetic {options.Width}x{options.Height} {format} at {(options.FramesPerSecond > 0 ? options.FramesPerSecond + " fps" : "full speed")}";

    /// <inheritdoc />
    public bool IsLive => options.FramesPerSecond > 0;

    /// <inheritdoc />
    public void Run(Action<Frame> deliver, CancellationToken ct)
    {
        var pacer = new Pacer(options.FramesPerSecond);
        long sequence = 0;
        while (pacer.Wait(ct))
        {
            byte[] p = patterns[sequence % Patterns];
            sequence++;
            // deliver takes ownership of the frame (IFrameSource.Run) and disposes it; the analyzer cannot see through the delegate.
#pragma warning disable CA2000
            deliver(Frame.Copy(p, format, format == FrameFormat.Encoded ? 0 : options.Width, format == FrameFormat.Encoded ? 0 : options.Height, sequence));
#pragma warning restore CA2000
        }
    }

    /// <summary>Converts RGB24 to packed YUYV (BT.601, studio range), averaging chroma over each pixel pair.</summary>
    public static byte[] RgbToYuyv(byte[] rgb, int w, int h)
    {
        var yuyv = new byte[w * h * 2];
        for (int i = 0, o = 0; i < w * h * 3; i += 6, o += 4)
        {
            (int y0, int u0, int v0) = ToYuv(rgb[i], rgb[i + 1], rgb[i + 2]);
            (int y1, int u1, int v1) = ToYuv(rgb[i + 3], rgb[i + 4], rgb[i + 5]);
            yuyv[o] = (byte)y0;
            yuyv[o + 1] = (byte)((u0 + u1) / 2);
            yuyv[o + 2] = (byte)y1;
            yuyv[o + 3] = (byte)((v0 + v1) / 2);
        }
        return yuyv;
    }

    private static (int Y, int U, int V) ToYuv(int r, int g, int b) =>
        (Math.Clamp(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16, 0, 255),
         Math.Clamp(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128, 0, 255),
         Math.Clamp(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128, 0, 255));

    private static byte[] EncodeJpeg(byte[] rgb, int w, int h)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, w, h);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 85 });
        return ms.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() { }
}
