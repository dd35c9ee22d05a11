using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// A copy of one classified frame for the live page: the source bytes, the model input and the result. The
/// images are made from the copy on first request (on the page's thread), once per snapshot.
/// </summary>
public sealed class LiveSnapshot
{
    private readonly byte[] frameBytes;
    private readonly float[] input;
    private readonly Lazy<(string ContentType, byte[] Body)> frameImage;
    private readonly Lazy<byte[]> inputImage;

    private LiveSnapshot(in FrameObservation frame)
    {
        Sequence = frame.Prediction.Sequence;
        Labels = frame.Prediction.Labels;
        Probabilities = frame.Prediction.Probabilities;
        Times = frame.Times;
        Manifest = frame.Manifest;
        Format = frame.Format;
        Width = frame.Width;
        Height = frame.Height;
        frameBytes = frame.FrameBytes.ToArray();
        input = frame.Input.ToArray();
        frameImage = new Lazy<(string, byte[])>(EncodeFrame);
        inputImage = new Lazy<byte[]>(EncodeInput);
    }

    /// <summary>Copies what the page needs from <paramref name="frame"/>.</summary>
    public static LiveSnapshot Copy(in FrameObservation frame) => new(frame);

    /// <summary>When the copy was taken (the frame's result time).</summary>
    public DateTimeOffset Time { get; } = DateTimeOffset.UtcNow;

    /// <summary>Frame sequence number.</summary>
    public long Sequence { get; }

    /// <summary>Top-k labels.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Top-k probabilities.</summary>
    public IReadOnlyList<float> Probabilities { get; }

    /// <summary>Stage times of this frame.</summary>
    public StageTimes Times { get; }

    /// <summary>The manifest of the model that classified it.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>Layout of the source bytes.</summary>
    public FrameFormat Format { get; }

    /// <summary>Raw frame width (0 when encoded).</summary>
    public int Width { get; }

    /// <summary>Raw frame height (0 when encoded).</summary>
    public int Height { get; }

    /// <summary>The camera frame as an image: the source's own JPEG/PNG/BMP bytes, or raw pixels encoded as JPEG.</summary>
    public (string ContentType, byte[] Body) FrameImage => frameImage.Value;

    /// <summary>The model input after preprocessing, de-normalised back to pixels, as PNG (model resolution).</summary>
    public byte[] InputImage => inputImage.Value;

    private (string, byte[]) EncodeFrame()
    {
        switch (Format)
        {
            case FrameFormat.Encoded:
                var (format, _, _) = EdgeToolkit.Preprocessing.ImageHeader.Read(frameBytes);
                return (format switch { "png" => "image/png", "bmp" => "image/bmp", _ => "image/jpeg" }, frameBytes);
            case FrameFormat.Yuyv:
                var rgb = new byte[Width * Height * 3];
                Processing.YuyvConverter.ToRgb24(frameBytes.AsSpan(0, Width * Height * 2), rgb);
                return ("image/jpeg", Jpeg(rgb));
            default:
                return ("image/jpeg", Jpeg(frameBytes));
        }
    }

    private byte[] Jpeg(byte[] rgb)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb.AsSpan(0, Width * Height * 3), Width, Height);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 80 });
        return ms.ToArray();
    }

    private byte[] EncodeInput()
    {
        int c = Manifest.Channels, h = Manifest.Height, w = Manifest.Width, plane = w * h;
        bool bgr = Manifest.ChannelOrder == Preprocessing.ChannelOrder.Bgr;
        using var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int i = y * w + x;
            byte Channel(int k) => k < c && k * plane + i < input.Length
                ? (byte)Math.Clamp((int)Math.Round((input[k * plane + i] * Manifest.Std[k] + Manifest.Mean[k]) * 255), 0, 255)
                : (byte)0;
            if (c == 1)
            {
                byte g = Channel(0);
                image[x, y] = new Rgb24(g, g, g);
            }
            else
            {
                byte a = Channel(0), b = Channel(1), d = Channel(2);
                image[x, y] = bgr ? new Rgb24(d, b, a) : new Rgb24(a, b, d);
            }
        }
        using var ms = new MemoryStream();
        image.SaveAsPng(ms, new PngEncoder());
        return ms.ToArray();
    }
}
