using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class CifarBinaryReaderTests
{
    [Fact]
    public void Reads_cifar10_train_batches_in_order_and_test_batch()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteCifar10(temp.Path, perBatch: 4, testCount: 3);

        var train = CifarBinaryReader.ReadCifar10(temp.Path, train: true);
        var test = CifarBinaryReader.ReadCifar10(temp.Path, train: false);

        Assert.Equal(20, train.Count);
        Assert.Equal(3, test.Count);
        Assert.Equal((3, 32, 32), (train.Channels, train.Height, train.Width));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)(i % 10)), train.Labels);
        // Image 13 lives in data_batch_4; its green plane starts at 1024.
        Assert.Equal(TempDatasetFolder.PixelOf(13, 1024 + 5), train.Pixels[13 * 3072 + 1024 + 5]);
        Assert.Equal(StandardClassNames.Cifar10, train.ClassNames);
    }

    [Fact]
    public void Finds_the_archive_sub_folder_and_reads_class_names_from_meta()
    {
        using var temp = new TempDatasetFolder();
        string inner = Path.Combine(temp.Path, CifarBinaryReader.Cifar10FolderName);
        temp.WriteCifar10(inner, perBatch: 1, testCount: 1);
        var names = Enumerable.Range(0, 10).Select(i => $"class{i}").ToArray();
        File.WriteAllLines(Path.Combine(inner, "batches.meta.txt"), [.. names, "", ""]);

        var test = CifarBinaryReader.ReadCifar10(temp.Path, train: false);

        Assert.Equal(names, test.ClassNames);
    }

    [Theory]
    [InlineData(true, 100)]
    [InlineData(false, 20)]
    public void Reads_cifar100_fine_or_coarse_labels(bool fine, int classes)
    {
        using var temp = new TempDatasetFolder();
        File.WriteAllBytes(temp.File("train.bin"), TempDatasetFolder.CifarRecords(150, 2, 100));
        File.WriteAllBytes(temp.File("test.bin"), TempDatasetFolder.CifarRecords(10, 2, 100));

        var train = CifarBinaryReader.ReadCifar100(temp.Path, train: true, fineLabels: fine);

        Assert.Equal(150, train.Count);
        Assert.Equal(classes, train.ClassNames.Count);
        Assert.Equal(fine ? 42 : 42 % 20, train.Labels[142]);
        Assert.Equal(TempDatasetFolder.PixelOf(142, 3000), train.Pixels[142 * 3072 + 3000]);
    }

    [Fact]
    public void Standard_name_lists_have_the_published_sizes()
    {
        Assert.Equal(100, StandardClassNames.Cifar100Fine.Distinct().Count());
        Assert.Equal(20, StandardClassNames.Cifar100Coarse.Distinct().Count());
        Assert.Equal(10, StandardClassNames.Cifar10.Count);
    }

    public static TheoryData<string, long?, string> BadFiles => new()
    {
        { "truncated-record", 2 * 3073, "truncated record: record 2 has 1000 of 3073 bytes" },
        { "label-out-of-range", 3073, "label 10 of record 1 is outside 0..9" },
        { "empty", 0, "file is empty" },
        { "missing", null, "file not found" },
        { "meta-wrong-count", null, "lists 3 class names (expected 10" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_cifar10_file_is_refused_with_file_offset_and_reason(string badCase, long? offset, string expected)
    {
        using var temp = new TempDatasetFolder();
        temp.WriteCifar10(temp.Path, perBatch: 3, testCount: 3);
        string file = temp.File("data_batch_3.bin");
        byte[] data = File.ReadAllBytes(file);
        switch (badCase)
        {
            case "truncated-record": File.WriteAllBytes(file, data[..(2 * 3073 + 1000)]); break;
            case "label-out-of-range": data[3073] = 10; File.WriteAllBytes(file, data); break;
            case "empty": File.WriteAllBytes(file, []); break;
            case "missing": File.Delete(file); break;
            case "meta-wrong-count": file = temp.File("batches.meta.txt"); File.WriteAllLines(file, ["a", "b", "c"]); break;
            default: throw new InvalidOperationException(badCase);
        }

        var e = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadCifar10(temp.Path, train: true));

        Assert.Contains(file, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(offset, e.Offset);
        if (offset is not null)
            Assert.Contains($"at byte offset {offset}", e.Message);
    }

    [Fact]
    public void Cifar100_fine_label_out_of_range_names_the_label_byte()
    {
        using var temp = new TempDatasetFolder();
        var data = TempDatasetFolder.CifarRecords(3, 2, 100);
        data[3074 + 1] = 100;
        File.WriteAllBytes(temp.File("test.bin"), data);

        var e = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadCifar100(temp.Path, train: false));

        Assert.Equal(3074 + 1, e.Offset);
        Assert.Contains("label 100 of record 1 is outside 0..99", e.Message);
    }

    [Fact]
    public void A_folder_without_batches_says_what_was_expected()
    {
        using var temp = new TempDatasetFolder();
        var e = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadCifar10(temp.Path, train: true));
        Assert.Contains(temp.Path, e.Message);
        Assert.Contains("data_batch_1.bin", e.Message);
    }
}
