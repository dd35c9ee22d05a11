using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// One classified frame as the live page serves it, encoded once (by <see cref="LiveView"/>'s encoder thread, off
/// the inference path) and then served as is to every client and every request: the camera frame (the source's own
/// JPEG/PNG/BMP bytes, or a raw frame encoded as JPEG), the model input as PNG, and the result.
/// </summary>
public sealed class LiveSnapshot
{
    /// <summary>JPEG quality of a raw camera frame on the page.</summary>
    public const int JpegQuality = 80;

    private LiveSnapshot(LiveFrameCopy copy, long version, (string, byte[]) frameImage, byte[] inputImage)
    {
        Version = version;
        Sequence = copy.Sequence;
        Labels = copy.Prediction!.Labels;
        Probabilities = copy.Prediction.Probabilities;
        Times = copy.Times;
        Manifest = copy.Manifest!;
        Time = copy.Time;
        FrameImage = frameImage;
        InputImage = inputImage;
    }

    /// <summary>Encodes <paramref name="copy"/> (both images) as snapshot number <paramref name="version"/>.</summary>
    public static LiveSnapshot Encode(LiveFrameCopy copy, long version)
    {
        ArgumentNullException.ThrowIfNull(copy);
        if (copy.Prediction is null || copy.Manifest is null) throw new ArgumentException("the copy holds no frame", nameof(copy));
        return new LiveSnapshot(copy, version, EncodeFrame(copy), EncodeInput(copy.Input, copy.Manifest));
    }

    /// <summary>Snapshot number (1, 2, ...): each is encoded once.</summary>
    public long Version { get; }

    /// <summary>When the frame was copied (its result time).</summary>
    public DateTimeOffset Time { get; }

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

    /// <summary>The camera frame as an image: the source's own encoded bytes, or a raw frame encoded as JPEG.</summary>
    public (string ContentType, byte[] Body) FrameImage { get; }

    /// <summary>The model input after preprocessing, de-normalised back to pixels, as PNG (model resolution).</summary>
    public byte[] InputImage { get; }

    private static (string, byte[]) EncodeFrame(LiveFrameCopy copy)
    {
        if (copy.Format == FrameFormat.Encoded)
            return (Frames.FrameImage.ContentType(Frames.FrameImage.EncodedKind(copy.FrameBytes)), copy.FrameBytes.ToArray());
        return ("image/jpeg", Frames.FrameImage.RawToJpeg(copy.FrameBytes, copy.Format, copy.Width, copy.Height, JpegQuality));
    }

    private static byte[] EncodeInput(ReadOnlySpan<float> input, BundleManifest manifest)
    {
        int c = manifest.Channels, h = manifest.Height, w = manifest.Width, plane = w * h;
        // Output channel k of RGB reads input channel order[k] (BGR models store blue first); grey repeats channel 0.
        int[] order = c == 1 ? [0, 0, 0] : manifest.ChannelOrder == Preprocessing.ChannelOrder.Bgr ? [2, 1, 0] : [0, 1, 2];
        var rgb = new byte[plane * 3];
        for (int k = 0; k < 3; k++)
        {
            int ch = order[k];
            if (ch >= c || (ch + 1) * plane > input.Length) continue; // a missing channel stays black
            var source = input.Slice(ch * plane, plane);
            float std = manifest.Std[ch], mean = manifest.Mean[ch];
            for (int i = 0; i < plane; i++)
                rgb[3 * i + k] = (byte)Math.Clamp((int)MathF.Round((source[i] * std + mean) * 255), 0, 255);
        }
        using var image = Image.LoadPixelData<Rgb24>(rgb, w, h);
        using var ms = new MemoryStream();
        image.SaveAsPng(ms, new PngEncoder { CompressionLevel = PngCompressionLevel.BestSpeed });
        return ms.ToArray();
    }
}
