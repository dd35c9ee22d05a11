using EdgeToolkit.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class ImageFolderReaderTests
{
    [Theory]
    [InlineData(".png", 3)]
    [InlineData(".bmp", 3)]
    [InlineData(".jpg", 1)]
    public void Reads_classes_in_name_order_resized_to_the_requested_size(string extension, int channels)
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["zebra", "apple", "mango"], perClass: 2, extension: extension);
        File.WriteAllText(temp.File("apple/notes.txt"), "ignored: not an image");

        var data = ImageFolderReader.Read(temp.Path, 8, 8, channels);

        Assert.Equal(["apple", "mango", "zebra"], data.ClassNames);
        Assert.Equal([0L, 0, 1, 1, 2, 2], data.Labels);
        Assert.Equal((channels, 8, 8), (data.Channels, data.Height, data.Width));
        // Solid colours survive resizing (JPEG within a few levels).
        var apple = TempDatasetFolder.ClassColour(1);
        int tolerance = extension == ".jpg" ? 4 : 0;
        if (channels == 3)
        {
            Assert.InRange(data.Pixels[0], apple.R - tolerance, apple.R + tolerance);
            Assert.InRange(data.Pixels[64], apple.G - tolerance, apple.G + tolerance);
            Assert.InRange(data.Pixels[128 + 63], apple.B - tolerance, apple.B + tolerance);
        }
        else
        {
            int luma = (apple.R * 299 + apple.G * 587 + apple.B * 114 + 500) / 1000;
            Assert.InRange(data.Pixels[10], luma - tolerance, luma + tolerance);
        }
    }

    [Fact]
    public void Given_class_names_fix_the_ids()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["b"], perClass: 1);

        var data = ImageFolderReader.Read(temp.Path, 4, 4, 3, ["a", "b", "c"]);

        Assert.Equal([1L], data.Labels);
        Assert.Equal(3, data.ClassNames.Count);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "not-an-image", "unreadable image: not a JPEG, PNG or BMP file" },
        { "truncated-png", "unreadable image" },
        { "gif-not-registered", "unreadable image: not a JPEG, PNG or BMP file" },
        { "huge-dimensions", "header says 100000x100000 pixels" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Unreadable_image_is_refused_naming_the_file(string badCase, string expected)
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["cat", "dog"], perClass: 2);
        string bad = temp.File(Path.Combine("dog", "bad.png"));
        switch (badCase)
        {
            case "not-an-image":
                File.WriteAllText(bad, "this is text, not pixels");
                break;
            case "truncated-png":
                byte[] png = File.ReadAllBytes(temp.File(Path.Combine("dog", "img000.png")));
                File.WriteAllBytes(bad, png[..(png.Length / 2)]);
                break;
            case "gif-not-registered":
                using (var image = new Image<Rgb24>(4, 4))
                    image.SaveAsGif(bad);
                break;
            case "huge-dimensions":
                File.WriteAllBytes(bad, PngHeader(100_000, 100_000));
                break;
            default:
                throw new InvalidOperationException(badCase);
        }

        var e = Assert.Throws<DatasetException>(() => ImageFolderReader.Read(temp.Path, 8, 8, 3));

        Assert.Contains(bad, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(bad, e.FilePath);
    }

    [Fact]
    public void Empty_or_missing_folders_are_refused()
    {
        using var temp = new TempDatasetFolder();
        Assert.Contains("no class sub-folders", Assert.Throws<DatasetException>(() => ImageFolderReader.Read(temp.Path, 8, 8, 3)).Message);
        Directory.CreateDirectory(temp.File("empty-class"));
        Assert.Contains("no images", Assert.Throws<DatasetException>(() => ImageFolderReader.Read(temp.Path, 8, 8, 3)).Message);
        Assert.Contains("folder not found", Assert.Throws<DatasetException>(() => ImageFolderReader.Read(temp.File("nope"), 8, 8, 3)).Message);
    }

    [Fact]
    public void Empty_class_folder_among_others_is_refused_naming_it()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["cat", "dog"], perClass: 2);
        Directory.CreateDirectory(temp.File("bird"));
        File.WriteAllText(temp.File("bird/readme.txt"), "not an image");

        var e = Assert.Throws<DatasetException>(() => ImageFolderReader.Read(temp.Path, 8, 8, 3));

        Assert.Contains(temp.File("bird"), e.Message);
        Assert.Contains("class folder 'bird' holds no images", e.Message);
    }

    [Fact]
    public void Truncated_jpeg_is_skipped_and_counted_not_trained_on_as_grey()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["cat", "dog"], perClass: 3, width: 64, height: 48, extension: ".jpg");
        byte[] jpeg = File.ReadAllBytes(temp.File(Path.Combine("dog", "img000.jpg")));
        File.WriteAllBytes(temp.File(Path.Combine("dog", "img001.jpg")), jpeg[..(jpeg.Length * 3 / 4)]);

        var data = ImageFolderReader.Read(temp.Path, 8, 8, 3);

        Assert.Equal(5, data.Count);
        Assert.Equal([0L, 0, 0, 1, 1], data.Labels);
        string skipped = Assert.Single(data.Skipped);
        Assert.Contains(Path.Combine("dog", "img001.jpg"), skipped);
        Assert.Contains("truncated JPEG", skipped);
        Assert.False(ImageFolderReader.IsTruncatedJpeg(jpeg));
        Assert.True(ImageFolderReader.IsTruncatedJpeg(jpeg.AsSpan(0, jpeg.Length - 2)));
    }

    /// <summary>A PNG signature and IHDR chunk claiming the given size, with no image data.</summary>
    private static byte[] PngHeader(int width, int height)
    {
        byte[] ihdr = [0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
            (byte)(width >> 24), (byte)(width >> 16), (byte)(width >> 8), (byte)width,
            (byte)(height >> 24), (byte)(height >> 16), (byte)(height >> 8), (byte)height,
            8, 2, 0, 0, 0];
        uint crc = Crc32(ihdr.AsSpan(4));
        return [137, 80, 78, 71, 13, 10, 26, 10, .. ihdr, (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
