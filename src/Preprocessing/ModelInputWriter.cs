using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// The one implementation of "decoded image -> model input per manifest": fit the image per the resize policy,
/// take the channels in the declared order (grey = BT.601 luma rounded to a byte, as training's reader stores it),
/// normalise <c>(pixel / 255 - mean) / std</c> and write NCHW floats. The device agent, host-side bundle evaluation,
/// INT8 calibration and training's image-folder reader (<see cref="Fit"/>) all call it, so the host measures what the
/// device computes. TorchSharp-free and ONNX-Runtime-free.
/// </summary>
public static class ModelInputWriter
{
    /// <summary>
    /// Brings <paramref name="image"/> (mutated) to <paramref name="width"/> x <paramref name="height"/> per
    /// <paramref name="policy"/>. For <see cref="ResizePolicy.Pad"/> an image not larger than the input is left as it
    /// is (it is centred when written) and a larger one is reduced, aspect kept, to fit inside.
    /// </summary>
    public static void Fit(Image<Rgb24> image, ResizePolicy policy, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width == width && image.Height == height) return;
        if (policy == ResizePolicy.Pad && image.Width <= width && image.Height <= height) return;
        var mode = policy switch
        {
            ResizePolicy.Stretch => ResizeMode.Stretch,
            ResizePolicy.Letterbox => ResizeMode.Pad,
            ResizePolicy.Pad => ResizeMode.Max,
            _ => ResizeMode.Crop,
        };
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(width, height),
            Mode = mode,
            Position = AnchorPositionMode.Center,
            Sampler = KnownResamplers.Triangle,
            PadColor = Color.Black,
        }));
    }

    /// <summary>Fits <paramref name="image"/> (mutated) to the model input and writes the normalised NCHW tensor into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="ModelInput.Length"/>.</exception>
    public static void Write(Image<Rgb24> image, ModelInput input, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(input);
        int w = input.Width, h = input.Height, c = input.Channels;
        if (destination.Length < input.Length)
            throw new ArgumentException($"destination holds {destination.Length} floats, the model input needs {input.Length}", nameof(destination));
        Fit(image, input.ResizePolicy, w, h);
        int iw = image.Width, ih = image.Height;
        int top = (h - ih) / 2, left = (w - iw) / 2;
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        for (int k = 0; k < c; k++)
        {
            scale[k] = 1f / (255f * input.Std[k]);
            offset[k] = -input.Mean[k] / input.Std[k];
        }
        int plane = w * h;
        if (iw != w || ih != h)
        {
            // Padding is black: pixel 0, normalised like every other pixel.
            for (int k = 0; k < c; k++) destination.Slice(k * plane, plane).Fill(offset[k]);
        }
        bool bgr = input.ChannelOrder == ChannelOrder.Bgr;
        bool gray = c == 1;
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
                    for (int y = 0; y < ih; y++)
                    {
                        Span<Rgb24> row = rows.GetRowSpan(y);
                        float* r0 = d + (y + top) * w + left;
                        if (gray)
                        {
                            for (int x = 0; x < iw; x++)
                            {
                                Rgb24 p = row[x];
                                r0[x] = Luma(p) * s0 + o0;
                            }
                            continue;
                        }
                        float* r1 = r0 + plane, r2 = r1 + plane;
                        for (int x = 0; x < iw; x++)
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

    /// <summary>
    /// Decodes encoded image bytes as the agent does (JPEG reduced in size only as far as the input allows) and writes
    /// the model input: host-side evaluation and calibration of image files.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable JPEG, PNG or BMP.</exception>
    public static void WriteEncoded(ImageDecoder decoder, ReadOnlySpan<byte> data, string name, ModelInput input, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(input);
        using var image = decoder.Decode(data, input.Width, input.Height, name);
        Write(image, input, destination);
    }

    /// <summary>
    /// Writes the model input for an image stored as planar 8-bit pixels (a data set's CHW bytes, 1 or 3 channels)
    /// exactly as if it had been decoded from a file: host-side evaluation and calibration of data sets.
    /// </summary>
    public static void WritePixels(ReadOnlySpan<byte> chw, int channels, int height, int width, ModelInput input, Span<float> destination)
    {
        using var image = ToImage(chw, channels, height, width);
        Write(image, input, destination);
    }

    /// <summary>An RGB image of planar 8-bit pixels (grey repeated into R, G and B); the caller disposes it.</summary>
    public static Image<Rgb24> ToImage(ReadOnlySpan<byte> chw, int channels, int height, int width)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (grey) or 3 (RGB)");
        int plane = height * width;
        if (chw.Length < channels * plane)
            throw new ArgumentException($"{chw.Length} bytes hold no {channels}x{height}x{width} image", nameof(chw));
        var rgb = new Rgb24[plane];
        for (int i = 0; i < plane; i++)
            rgb[i] = channels == 1 ? new Rgb24(chw[i], chw[i], chw[i]) : new Rgb24(chw[i], chw[plane + i], chw[2 * plane + i]);
        return Image.LoadPixelData<Rgb24>(rgb, width, height);
    }

    /// <summary>ITU-R BT.601 luma rounded to a byte, as PIL's convert("L") and training's image reader.</summary>
    public static byte Luma(Rgb24 p) => (byte)((p.R * 299 + p.G * 587 + p.B * 114 + 500) / 1000);
}
