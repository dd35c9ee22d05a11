using EdgeToolkit.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeToolkit.Training.Data;

/// <summary>
/// Reads a folder with one sub-folder per class (sorted by name = class id) of JPEG, PNG or BMP
/// files. Each image is resized so its shorter side fits, centre-cropped to the requested size (the manifest's
/// <c>center-crop</c>, through the same <see cref="ModelInputWriter.Fit"/> the device runs) and
/// converted to 1 (luminance) or 3 (RGB) channels. Files with other extensions are ignored.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>Largest image accepted, in pixels (width x height), checked from the header before decoding.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>File extensions read (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>
    /// An ImageSharp configuration that knows only JPEG, PNG and BMP (most ImageSharp advisories were in
    /// other decoders) and caps single allocations, so a crafted file cannot exhaust memory.
    /// </summary>
    public static Configuration DecoderConfiguration { get; } = new(new JpegConfigurationModule(), new PngConfigurationModule(), new BmpConfigurationModule())
    {
        MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = 512, MaximumPoolSizeMegabytes = 64 }),
    };

    /// <summary>The class sub-folders of <paramref name="folder"/>, sorted ordinally (index = class id).</summary>
    /// <exception cref="DatasetException">The folder does not exist or has no sub-folders.</exception>
    public static IReadOnlyList<string> ClassNames(string folder)
    {
        if (!Directory.Exists(folder))
            throw DatasetException.InFile(folder, "folder not found");
        var names = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToList();
        names.Sort(StringComparer.Ordinal);
        if (names.Count == 0)
            throw DatasetException.InFile(folder, "no class sub-folders (expected one sub-folder of images per class)");
        return names;
    }

    /// <summary>
    /// Reads every image of every class sub-folder, ordered by class then file name.
    /// <paramref name="classNames"/> (e.g. those of the train split when reading test) fixes the class ids;
    /// by default they are the sorted sub-folder names.
    /// </summary>
    /// <exception cref="DatasetException">A folder is missing or empty, a class is unknown, or an image cannot be decoded.</exception>
    public static ImageDataset Read(string folder, int height, int width, int channels, IReadOnlyList<string>? classNames = null)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (grey) or 3 (RGB)");
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var found = ClassNames(folder);
        classNames ??= found;
        foreach (string name in found)
        {
            if (!classNames.Contains(name))
                throw DatasetException.InFile(Path.Combine(folder, name), $"class folder '{name}' is not one of the {classNames.Count} known classes ({string.Join(", ", classNames)})");
        }

        var files = new List<(string Path, long Label)>();
        for (int c = 0; c < classNames.Count; c++)
        {
            string classFolder = Path.Combine(folder, classNames[c]);
            if (!Directory.Exists(classFolder))
                continue;
            var images = Directory.GetFiles(classFolder).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
            images.Sort(StringComparer.Ordinal);
            files.AddRange(images.Select(f => (f, (long)c)));
        }
        if (files.Count == 0)
            throw DatasetException.InFile(folder, $"no images ({string.Join(", ", Extensions)}) in the class sub-folders");

        int imageBytes = channels * height * width;
        var pixels = new byte[(long)files.Count * imageBytes];
        var errors = new DatasetException?[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            try
            {
                Decode(files[i].Path, height, width, channels, pixels.AsSpan((int)((long)i * imageBytes), imageBytes));
            }
            catch (DatasetException e)
            {
                errors[i] = e;
            }
        });
        var first = errors.FirstOrDefault(e => e is not null);
        if (first is not null)
            throw first;
        return new ImageDataset(folder, pixels, files.Select(f => f.Label).ToArray(), channels, height, width, classNames) { FittedWith = ResizePolicy.CenterCrop, Files = files.Select(f => f.Path).ToArray() };
    }

    /// <summary>Decodes one image file into <paramref name="destination"/> (CHW bytes).</summary>
    /// <exception cref="DatasetException">The file cannot be read or decoded, or is too large.</exception>
    public static void Decode(string path, int height, int width, int channels, Span<byte> destination)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot be read ({e.Message})", e) { FilePath = path };
        }
        try
        {
            var info = Image.Identify(DecoderConfiguration, bytes, out IImageFormat? format);
            if (info is null || format is null)
                throw DatasetException.At(path, 0, "unreadable image: not a JPEG, PNG or BMP file");
            if ((long)info.Width * info.Height > MaxPixels || info.Width <= 0 || info.Height <= 0)
                throw DatasetException.At(path, 0, $"unreadable image: header says {info.Width}x{info.Height} pixels (at most {MaxPixels} accepted)");
            using var image = Image.Load<Rgb24>(DecoderConfiguration, bytes);
            ModelInputWriter.Fit(image, ResizePolicy.CenterCrop, width, height);
            CopyPixels(image, channels, destination);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidMemoryOperationException or ArgumentException)
        {
            throw new DatasetException($"{path}: unreadable image ({e.GetType().Name}: {e.Message})", e) { FilePath = path };
        }
    }

    private static void CopyPixels(Image<Rgb24> image, int channels, Span<byte> destination)
    {
        int plane = image.Height * image.Width;
        var rgb = new Rgb24[plane];
        image.CopyPixelDataTo(rgb);
        for (int at = 0; at < plane; at++)
        {
            {
                var p = rgb[at];
                if (channels == 1)
                {
                    destination[at] = ModelInputWriter.Luma(p);
                }
                else
                {
                    destination[at] = p.R;
                    destination[plane + at] = p.G;
                    destination[2 * plane + at] = p.B;
                }
            }
        }
    }
}
