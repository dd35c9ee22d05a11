using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing.Jpeg;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// Turns a frame into the model's NCHW float input: decode (JPEG/PNG/BMP only, sizes checked from the
/// header before decoding, allocations capped) or YUYV/RGB unpacking, then crop/resize per the
/// manifest's resize policy, GRAY/RGB/BGR, and (x/255 - mean)/std into the runner's reused buffer.
/// ImageSharp 2.1.13 has no reduced-size (DCT-scaled) JPEG decoding (that is ImageSharp 3's
/// DecoderOptions.TargetSize), so a baseline JPEG much larger than the model input goes through
/// <see cref="ReducedJpegDecoder"/> at 1/4 or 1/8 size; everything else is decoded fully, then resized.
/// Not thread-safe: one instance per decoding thread.
/// </summary>
public sealed class FramePreprocessor
{
    private readonly long maxPixels;
    private readonly ReducedJpegDecoder reducedJpeg;
    private byte[] rgbScratch = [];

    /// <summary>Creates the decoder configuration with only JPEG, PNG and BMP registered.</summary>
    public FramePreprocessor(long maxPixels, int memoryLimitMegabytes)
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
        if (data.Length == 0) throw new BadFrameException("empty", $"frame {frame.Sequence}: zero bytes");
        var (format, width, height) = ImageHeader.Read(data);
        if (format is null) throw new BadFrameException("unknown-format", $"frame {frame.Sequence}: not a JPEG, PNG or BMP (first bytes {Convert.ToHexString(data[..Math.Min(4, data.Length)])})");
        if (width <= 0 || height <= 0) throw new BadFrameException("decode-error", $"frame {frame.Sequence}: {format} header has no valid size");
        if ((long)width * height > maxPixels)
            throw new BadFrameException("too-large", $"frame {frame.Sequence}: {format} header says {width}x{height} = {(long)width * height} pixels, more than EdgeAgent:MaxPixels {maxPixels}");
        try
        {
            int scale = format == "jpeg" && minWidth > 0 && minHeight > 0 ? ReducedJpegDecoder.ChooseScale(width, height, minWidth, minHeight) : 1;
            if (scale > 1 && reducedJpeg.TryDecode(data, scale, out _))
            {
                if (reducedJpeg.Width != (width + scale - 1) / scale || reducedJpeg.Height != (height + scale - 1) / scale)
                    throw new BadFrameException("decode-error", $"frame {frame.Sequence}: decoded {reducedJpeg.Width}x{reducedJpeg.Height} at 1/{scale}, header says {width}x{height}");
                return Image.LoadPixelData<Rgb24>(Configuration, reducedJpeg.Rgb, reducedJpeg.Width, reducedJpeg.Height);
            }
            var image = Image.Load<Rgb24>(Configuration, data);
            if (image.Width != width || image.Height != height)
            {
                image.Dispose();
                throw new BadFrameException("decode-error", $"frame {frame.Sequence}: decoded {image.Width}x{image.Height}, header says {width}x{height}");
            }
            return image;
        }
        catch (JpegDataException e)
        {
            throw new BadFrameException(e.Reason, $"frame {frame.Sequence}: jpeg {e.Message} (reduced-size decoder)", e);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or UnknownImageFormatException or NotSupportedException or IndexOutOfRangeException or ArgumentException or EndOfStreamException)
        {
            throw new BadFrameException("decode-error", $"frame {frame.Sequence}: {format} decode failed: {e.Message}", e);
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new BadFrameException("too-large", $"frame {frame.Sequence}: {format} needs more memory than EdgeAgent:DecoderMemoryLimitMegabytes allows: {e.Message}", e);
        }
    }

    /// <summary>Fits <paramref name="image"/> to the model input per the manifest (mutates it) and writes the normalised NCHW tensor.</summary>
    public static void ToTensor(Image<Rgb24> image, BundleManifest manifest, Span<float> destination)
    {
        int w = manifest.Width, h = manifest.Height, c = manifest.Channels;
        if (destination.Length < c * w * h)
            throw new ArgumentException($"destination holds {destination.Length} floats, the model input needs {c * w * h}", nameof(destination));
        if (image.Width != w || image.Height != h)
        {
            var mode = manifest.ResizePolicy switch
            {
                ResizePolicy.Stretch => ResizeMode.Stretch,
                ResizePolicy.Letterbox => ResizeMode.Pad,
                ResizePolicy.Pad => ResizeMode.BoxPad,
                _ => ResizeMode.Crop,
            };
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(w, h),
                Mode = mode,
                Position = AnchorPositionMode.Center,
                Sampler = KnownResamplers.Triangle,
                PadColor = Color.Black,
            }));
        }
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        for (int k = 0; k < c; k++)
        {
            scale[k] = 1f / (255f * manifest.Std[k]);
            offset[k] = -manifest.Mean[k] / manifest.Std[k];
        }
        bool bgr = manifest.ChannelOrder == ChannelOrder.Bgr;
        bool gray = c == 1;
        int plane = w * h;
        // Spans cannot be captured by the row callback: copy the scalars and write through a pointer.
        float s0 = scale[0], s1 = c > 1 ? scale[1] : 0, s2 = c > 2 ? scale[2] : 0;
        float o0 = offset[0], o1 = c > 1 ? offset[1] : 0, o2 = c > 2 ? offset[2] : 0;
        unsafe
        {
            fixed (float* dst = destination)
            {
                float* d = dst;
                image.ProcessPixelRows(rows =>
                {
                    for (int y = 0; y < h; y++)
                    {
                        Span<Rgb24> row = rows.GetRowSpan(y);
                        float* r0 = d + y * w;
                        if (gray)
                        {
                            for (int x = 0; x < w; x++)
                            {
                                Rgb24 p = row[x];
                                r0[x] = ((p.R * 299 + p.G * 587 + p.B * 114) / 1000f) * s0 + o0;
                            }
                            continue;
                        }
                        float* r1 = r0 + plane, r2 = r1 + plane;
                        for (int x = 0; x < w; x++)
                        {
                            Rgb24 p = row[x];
                            byte a = bgr ? p.B : p.R, b = p.G, cc = bgr ? p.R : p.B;
                            r0[x] = a * s0 + o0;
                            r1[x] = b * s1 + o1;
                            r2[x] = cc * s2 + o2;
                        }
                    }
                });
            }
        }
    }

    private static void CheckRawSize(Frame frame, int bytesPerPixel)
    {
        if (frame.Width <= 0 || frame.Height <= 0 || (long)frame.Width * frame.Height * bytesPerPixel > frame.Length)
            throw new BadFrameException("bad-size", $"frame {frame.Sequence}: {frame.Format} {frame.Width}x{frame.Height} needs {(long)frame.Width * frame.Height * bytesPerPixel} bytes, got {frame.Length}");
    }
}
