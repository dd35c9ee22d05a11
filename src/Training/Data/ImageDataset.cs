using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Training.Data;

/// <summary>
/// An in-memory labelled image set: 8-bit pixels in NCHW order plus one label per image.
/// Loaders (IDX, CIFAR binary, image folders) produce it; <c>BatchLoader</c> turns it into tensors.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset and checks that pixel and label counts agree.</summary>
    public ImageDataset(string source, byte[] pixels, long[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"{source}: {pixels.LongLength} pixel bytes for {labels.Length} images of {channels}x{height}x{width} (expected {expected})", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"{source}: label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}", nameof(labels));
        }
        Source = source;
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>Where the data came from (a path or a description), for logs and errors.</summary>
    public string Source { get; }

    /// <summary>Pixels, NCHW, one byte each.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class id of each image.</summary>
    public long[] Labels { get; }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Class names, index = class id.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// How the reader fitted differently sized source images to <see cref="Height"/> x <see cref="Width"/>
    /// (<see cref="ResizePolicy.CenterCrop"/> for image folders); null when the pixels are the images as stored (IDX, CIFAR).
    /// </summary>
    public ResizePolicy? FittedWith { get; init; }

    /// <summary>The file each image was read from (image folders), so evaluation can decode the originals as the device does; null otherwise.</summary>
    public IReadOnlyList<string>? Files { get; init; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Bytes per image.</summary>
    public int ImageBytes => Channels * Height * Width;

    /// <summary>A new dataset with the images at <paramref name="indices"/> (copied).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? source = null)
    {
        var pixels = new byte[(long)indices.Count * ImageBytes];
        var labels = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * ImageBytes, pixels, (long)i * ImageBytes, ImageBytes);
            labels[i] = Labels[indices[i]];
        }
        return new ImageDataset(source ?? Source, pixels, labels, Channels, Height, Width, ClassNames) { FittedWith = FittedWith, Files = Files is null ? null : indices.Select(i => Files[i]).ToArray() };
    }
}
