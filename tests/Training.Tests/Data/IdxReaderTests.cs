using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class IdxReaderTests
{
    private static readonly IReadOnlyList<string> Ten = StandardClassNames.Mnist;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_raw_and_gzip_files(bool gzip)
    {
        using var temp = new TempDatasetFolder();
        temp.WriteIdxDataset(temp.Path, trainCount: 12, testCount: 5, gzip);
        string ext = gzip ? ".gz" : "";

        var data = IdxReader.Read(temp.File("train-images-idx3-ubyte" + ext), temp.File("train-labels-idx1-ubyte" + ext), Ten);

        Assert.Equal(12, data.Count);
        Assert.Equal((1, 28, 28), (data.Channels, data.Height, data.Width));
        Assert.Equal(TempDatasetFolder.Labels(12, 10).Select(b => (long)b), data.Labels);
        Assert.Equal(TempDatasetFolder.PixelOf(7, 100), data.Pixels[7 * 784 + 100]);
        Assert.Equal(Ten, data.ClassNames);
    }

    [Fact]
    public void ReadFolder_finds_train_and_test_files()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteIdxDataset(temp.Path, trainCount: 8, testCount: 3, gzip: false);

        Assert.Equal(8, IdxReader.ReadFolder(temp.Path, train: true, Ten).Count);
        Assert.Equal(3, IdxReader.ReadFolder(temp.Path, train: false, Ten).Count);
    }

    [Fact]
    public void ReadFolder_names_the_missing_file()
    {
        using var temp = new TempDatasetFolder();
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadFolder(temp.Path, train: false, Ten));
        Assert.Contains(temp.Path, e.Message);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
    }

    public static TheoryData<string, string, long?, string> BadFiles => new()
    {
        // case, file at fault, offset, expected message fragment
        { "images-bad-magic", "images", 0, "bad magic number 0x00000804 (expected 0x00000803" },
        { "labels-bad-magic", "labels", 0, "bad magic number 0x00000803 (expected 0x00000801" },
        { "images-header-count-too-large", "images", 4, "header count 10 is larger than the file" },
        { "labels-header-count-too-large", "labels", 4, "header count 9 is larger than the file" },
        { "images-truncated-record", "images", 16 + 4 * 784, "truncated record: image 4 has 684 of 784 bytes" },
        { "label-out-of-range", "labels", 8 + 3, "label 10 of item 3 is outside 0..9" },
        { "counts-mismatch", "labels", null, "holds 5 images but" },
        { "images-empty", "images", 0, "too short for an IDX magic number" },
        { "images-short-header", "images", 10, "header truncated" },
        { "images-trailing-bytes", "images", 16 + 5 * 784, "3 unexpected bytes after the last of the 5 images" },
        { "images-bad-gzip", "images", null, "not a valid gzip stream" },
        { "images-truncated-gzip", "images", null, "not a valid gzip stream: truncated or corrupt" },
        { "images-negative-count", "images", 4, "image count -1 is negative" },
        { "images-zero-rows", "images", 8, "image size 0x28 is not plausible" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_file_is_refused_with_file_offset_and_reason(string badCase, string fileAtFault, long? offset, string expected)
    {
        using var temp = new TempDatasetFolder();
        byte[] images = TempDatasetFolder.IdxImages(5, 28, 28);
        byte[] labels = TempDatasetFolder.IdxLabels(TempDatasetFolder.Labels(5, 10));
        switch (badCase)
        {
            case "images-bad-magic": images[3] = 0x04; break;
            case "labels-bad-magic": labels[3] = 0x03; break;
            case "images-header-count-too-large": images = TempDatasetFolder.IdxImages(5, 28, 28, declaredCount: 10); break;
            case "labels-header-count-too-large": labels = TempDatasetFolder.IdxLabels(TempDatasetFolder.Labels(5, 10), declaredCount: 9); break;
            case "images-truncated-record": images = images[..^100]; break;
            case "label-out-of-range": labels[8 + 3] = 10; break;
            case "counts-mismatch": labels = TempDatasetFolder.IdxLabels(TempDatasetFolder.Labels(4, 10)); break;
            case "images-empty": images = []; break;
            case "images-short-header": images = images[..10]; break;
            case "images-trailing-bytes": images = [.. images, 1, 2, 3]; break;
            case "images-bad-gzip": images = [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01]; break;
            case "images-truncated-gzip": images = TempDatasetFolder.Gzip(images)[..^20]; break;
            case "images-negative-count": images[4] = 0xff; images[5] = 0xff; images[6] = 0xff; images[7] = 0xff; break;
            case "images-zero-rows": images[11] = 0; break;
            default: throw new InvalidOperationException(badCase);
        }
        string imagesPath = temp.File("bad-images-idx3-ubyte"), labelsPath = temp.File("bad-labels-idx1-ubyte");
        File.WriteAllBytes(imagesPath, images);
        File.WriteAllBytes(labelsPath, labels);

        var e = Assert.Throws<DatasetException>(() => IdxReader.Read(imagesPath, labelsPath, Ten));

        string path = fileAtFault == "images" ? imagesPath : labelsPath;
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(offset, e.Offset);
        if (offset is not null)
            Assert.Contains($"at byte offset {offset}", e.Message);
    }

    [Fact]
    public void Gzip_offsets_are_those_of_the_decompressed_data()
    {
        using var temp = new TempDatasetFolder();
        var labels = TempDatasetFolder.IdxLabels(TempDatasetFolder.Labels(5, 10));
        labels[8 + 2] = 42;
        File.WriteAllBytes(temp.File("i.gz"), TempDatasetFolder.Gzip(TempDatasetFolder.IdxImages(5, 4, 4)));
        File.WriteAllBytes(temp.File("l.gz"), TempDatasetFolder.Gzip(labels));

        var e = Assert.Throws<DatasetException>(() => IdxReader.Read(temp.File("i.gz"), temp.File("l.gz"), Ten));

        Assert.Equal(10, e.Offset);
        Assert.Contains("label 42 of item 2", e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var temp = new TempDatasetFolder();
        var e = Assert.Throws<DatasetException>(() => IdxReader.Read(temp.File("nope"), temp.File("nope2"), Ten));
        Assert.Contains(temp.File("nope"), e.Message);
        Assert.Contains("not found", e.Message);
    }
}
