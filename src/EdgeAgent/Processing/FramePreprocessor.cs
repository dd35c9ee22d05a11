using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Turns a frame into the model's NCHW float input: encoded frames (JPEG/PNG/BMP) through the shared
/// <see cref="ImageDecoder"/>, YUYV/RGB frames unpacked, then <see cref="ModelInputWriter"/> applies the manifest's
/// contract (resize policy, channel order, mean/std), the same code the host's bundle evaluation and calibration run.
/// Not thread-safe: one instance per decoding thread.
/// </summary>
public sealed class FramePreprocessor
{
    private readonly ImageDecoder decoder;
    private byte[] rgbScratch = [];

    /// <summary>Creates the decoder configuration with only JPEG, PNG and BMP registered.</summary>
    public FramePreprocessor(long maxPixels, int memoryLimitMegabytes)
    {
        decoder = new ImageDecoder(maxPixels, memoryLimitMegabytes);
    }

    /// <summary>The restricted ImageSharp configuration (JPEG, PNG, BMP decoders; capped allocator).</summary>
    public Configuration Configuration => decoder.Configuration;

    /// <summary>Decodes or unpacks a frame into a full-size RGB image; throws <see cref="BadFrameException"/> with a reason.</summary>
    public Image<Rgb24> Decode(Frame frame) => Decode(frame, 0, 0);

    /// <summary>
    /// Decodes or unpacks a frame into an RGB image; throws <see cref="BadFrameException"/> with a reason. A baseline
    /// JPEG is decoded at 1/8 or 1/4 of its size (the largest reduction that keeps it at least
    /// <paramref name="minWidth"/> x <paramref name="minHeight"/>, so the model loses no detail); 0 decodes full size.
    /// </summary>
    public Image<Rgb24> Decode(Frame frame, int minWidth, int minHeight)
    {
        ReadOnlySpan<byte> data = frame.Data;
        switch (frame.Format)
        {
            case FrameFormat.Rgb24:
                CheckRawSize(frame, 3);
                return Image.LoadPixelData<Rgb24>(Configuration, data[..(frame.Width * frame.Height * 3)], frame.Width, frame.Height);
            case FrameFormat.Yuyv:
                CheckRawSize(frame, 2);
                int n = frame.Width * frame.Height * 3;
                if (rgbScratch.Length < n) rgbScratch = new byte[n];
                YuyvConverter.ToRgb24(data[..(frame.Width * frame.Height * 2)], rgbScratch);
                return Image.LoadPixelData<Rgb24>(Configuration, rgbScratch.AsSpan(0, n), frame.Width, frame.Height);
        }
        try
        {
            return decoder.Decode(data, minWidth, minHeight, $"frame {frame.Sequence}");
        }
        catch (ImageDecodeException e)
        {
            throw new BadFrameException(e.Reason, e.Message, e);
        }
    }

    /// <summary>Fits <paramref name="image"/> to the model input per the manifest (mutates it) and writes the normalised NCHW tensor (<see cref="ModelInputWriter.Write"/>).</summary>
    public static void ToTensor(Image<Rgb24> image, BundleManifest manifest, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ModelInputWriter.Write(image, manifest.Input, destination);
    }

    private static void CheckRawSize(Frame frame, int bytesPerPixel)
    {
        if (frame.Width <= 0 || frame.Height <= 0 || (long)frame.Width * frame.Height * bytesPerPixel > frame.Length)
            throw new BadFrameException("bad-size", $"frame {frame.Sequence}: {frame.Format} {frame.Width}x{frame.Height} needs {(long)frame.Width * frame.Height * bytesPerPixel} bytes, got {frame.Length}");
    }
}
