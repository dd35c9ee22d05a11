using EdgeToolkit.Preprocessing.Jpeg;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// Decodes JPEG, PNG or BMP bytes into an RGB image, the same way on the device (the agent) and on the host
/// (<c>edgekit eval-bundle</c> on image files): only those three decoders are registered, the size is checked
/// from the header before decoding and allocations are capped. ImageSharp 2.1.13 has no reduced-size (DCT-scaled)
/// JPEG decoding (that is ImageSharp 3's DecoderOptions.TargetSize), so a baseline JPEG much larger than the model
/// input goes through <see cref="ReducedJpegDecoder"/> at 1/4 or 1/8 size when the caller asks for it.
/// Not thread-safe: one instance per decoding thread.
/// </summary>
public sealed class ImageDecoder
{
    private readonly long maxPixels;
    private readonly ReducedJpegDecoder reducedJpeg;

    /// <summary>Creates the decoder configuration with only JPEG, PNG and BMP registered.</summary>
    /// <param name="maxPixels">Largest width x height accepted (from the header, before decoding).</param>
    /// <param name="memoryLimitMegabytes">Largest single allocation of the decoders.</param>
    public ImageDecoder(long maxPixels, int memoryLimitMegabytes)
    {
        this.maxPixels = maxPixels;
        reducedJpeg = new ReducedJpegDecoder(maxPixels);
        Configuration = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule(), new BmpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = memoryLimitMegabytes,
                MaximumPoolSizeMegabytes = 32,
            }),
            // Inference wants the other core; one decode thread keeps latency predictable.
            MaxDegreeOfParallelism = 1,
        };
    }

    /// <summary>The restricted ImageSharp configuration (JPEG, PNG, BMP decoders; capped allocator).</summary>
    public Configuration Configuration { get; }

    /// <summary>
    /// Decodes <paramref name="data"/>; throws <see cref="ImageDecodeException"/> with a reason. A baseline JPEG is
    /// decoded at 1/8 or 1/4 of its size (the largest reduction that keeps it at least <paramref name="minWidth"/> x
    /// <paramref name="minHeight"/>, so the model loses no detail); 0 decodes full size.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="minWidth">Smallest useful decoded width (the model input's), or 0 for full size.</param>
    /// <param name="minHeight">Smallest useful decoded height, or 0 for full size.</param>
    /// <param name="name">How messages name the image (<c>frame 12</c>, a file name).</param>
    public Image<Rgb24> Decode(ReadOnlySpan<byte> data, int minWidth, int minHeight, string name)
    {
        if (data.Length == 0) throw new ImageDecodeException("empty", $"{name}: zero bytes");
        var (format, width, height) = ImageHeader.Read(data);
        if (format is null) throw new ImageDecodeException("unknown-format", $"{name}: not a JPEG, PNG or BMP (first bytes {Convert.ToHexString(data[..Math.Min(4, data.Length)])})");
        if (width <= 0 || height <= 0) throw new ImageDecodeException("decode-error", $"{name}: {format} header has no valid size");
        if ((long)width * height > maxPixels)
            throw new ImageDecodeException("too-large", $"{name}: {format} header says {width}x{height} = {(long)width * height} pixels, more than the {maxPixels} allowed (EdgeAgent:MaxPixels)");
        try
        {
            int scale = format == "jpeg" && minWidth > 0 && minHeight > 0 ? ReducedJpegDecoder.ChooseScale(width, height, minWidth, minHeight) : 1;
            if (scale > 1 && reducedJpeg.TryDecode(data, scale, out _))
            {
                if (reducedJpeg.Width != (width + scale - 1) / scale || reducedJpeg.Height != (height + scale - 1) / scale)
                    throw new ImageDecodeException("decode-error", $"{name}: decoded {reducedJpeg.Width}x{reducedJpeg.Height} at 1/{scale}, header says {width}x{height}");
                return Image.LoadPixelData<Rgb24>(Configuration, reducedJpeg.Rgb, reducedJpeg.Width, reducedJpeg.Height);
            }
            var image = Image.Load<Rgb24>(Configuration, data);
            if (image.Width != width || image.Height != height)
            {
                image.Dispose();
                throw new ImageDecodeException("decode-error", $"{name}: decoded {image.Width}x{image.Height}, header says {width}x{height}");
            }
            return image;
        }
        catch (JpegDataException e)
        {
            throw new ImageDecodeException(e.Reason, $"{name}: jpeg {e.Message} (reduced-size decoder)", e);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or UnknownImageFormatException or NotSupportedException or IndexOutOfRangeException or ArgumentException or EndOfStreamException)
        {
            throw new ImageDecodeException("decode-error", $"{name}: {format} decode failed: {e.Message}", e);
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new ImageDecodeException("too-large", $"{name}: {format} needs more memory than the decoder memory limit (EdgeAgent:DecoderMemoryLimitMegabytes) allows: {e.Message}", e);
        }
    }
}
