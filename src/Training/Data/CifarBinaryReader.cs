namespace EdgeToolkit.Training.Data;

/// <summary>
/// Reads the binary versions of CIFAR-10 (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>: records of
/// 1 label byte + 3072 pixel bytes) and CIFAR-100 (<c>train.bin</c>, <c>test.bin</c>: 2 label bytes,
/// coarse then fine, + 3072 pixel bytes). Pixels are 32x32, stored as the red, green then blue plane (CHW).
/// </summary>
public static class CifarBinaryReader
{
    /// <summary>Pixel bytes per record (3 x 32 x 32).</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Folder name inside the CIFAR-10 binary archive.</summary>
    public const string Cifar10FolderName = "cifar-10-batches-bin";

    /// <summary>Folder name inside the CIFAR-100 binary archive.</summary>
    public const string Cifar100FolderName = "cifar-100-binary";

    /// <summary>
    /// Reads CIFAR-10 from <paramref name="path"/> (the <c>cifar-10-batches-bin</c> folder or its parent).
    /// Class names come from <c>batches.meta.txt</c> when present, else the standard names.
    /// </summary>
    /// <exception cref="DatasetException">A file is missing or malformed.</exception>
    public static ImageDataset ReadCifar10(string path, bool train)
    {
        string folder = FindCifar10Folder(path)
            ?? throw DatasetException.InFile(path, $"no CIFAR-10 binary files here (expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin, or a {Cifar10FolderName} sub-folder)");
        var files = train
            ? Enumerable.Range(1, 5).Select(i => Path.Combine(folder, $"data_batch_{i}.bin")).ToList()
            : [Path.Combine(folder, "test_batch.bin")];
        var names = ReadClassNames(Path.Combine(folder, "batches.meta.txt"), StandardClassNames.Cifar10);
        return Read(files, labelBytes: 1, labelIndex: 0, names, $"CIFAR-10 {(train ? "train" : "test")} ({folder})");
    }

    /// <summary>
    /// Reads CIFAR-100 from <paramref name="path"/> (the <c>cifar-100-binary</c> folder or its parent) with
    /// fine (100) or coarse (20) labels; names from <c>fine_label_names.txt</c>/<c>coarse_label_names.txt</c> when present.
    /// </summary>
    /// <exception cref="DatasetException">A file is missing or malformed.</exception>
    public static ImageDataset ReadCifar100(string path, bool train, bool fineLabels = true)
    {
        string folder = FindCifar100Folder(path)
            ?? throw DatasetException.InFile(path, $"no CIFAR-100 binary files here (expected train.bin and test.bin, or a {Cifar100FolderName} sub-folder)");
        var names = fineLabels
            ? ReadClassNames(Path.Combine(folder, "fine_label_names.txt"), StandardClassNames.Cifar100Fine)
            : ReadClassNames(Path.Combine(folder, "coarse_label_names.txt"), StandardClassNames.Cifar100Coarse);
        string file = Path.Combine(folder, train ? "train.bin" : "test.bin");
        return Read([file], labelBytes: 2, labelIndex: fineLabels ? 1 : 0, names,
            $"CIFAR-100 {(train ? "train" : "test")} {(fineLabels ? "fine" : "coarse")} ({folder})");
    }

    /// <summary>
    /// Reads records of <paramref name="labelBytes"/> label bytes + 3072 pixel bytes from each file in turn,
    /// taking the label at <paramref name="labelIndex"/>.
    /// </summary>
    /// <exception cref="DatasetException">A file is missing, truncated, or holds a label outside the class list.</exception>
    public static ImageDataset Read(IReadOnlyList<string> files, int labelBytes, int labelIndex, IReadOnlyList<string> classNames, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(labelBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(labelIndex, labelBytes);
        int recordBytes = labelBytes + ImageBytes;
        var contents = new List<byte[]>(files.Count);
        long total = 0;
        foreach (string file in files)
        {
            byte[] data = DatasetFile.ReadAll(file);
            if (data.Length == 0)
                throw DatasetException.At(file, 0, $"file is empty (expected records of {recordBytes} bytes)");
            if (data.Length % recordBytes != 0)
            {
                long complete = data.Length / recordBytes;
                throw DatasetException.At(file, complete * recordBytes,
                    $"truncated record: record {complete} has {data.Length % recordBytes} of {recordBytes} bytes ({labelBytes} label byte(s) + {ImageBytes} pixel bytes)");
            }
            contents.Add(data);
            total += data.Length / recordBytes;
        }

        var pixels = new byte[total * ImageBytes];
        var labels = new long[total];
        long image = 0;
        for (int f = 0; f < files.Count; f++)
        {
            byte[] data = contents[f];
            for (long offset = 0; offset < data.Length; offset += recordBytes, image++)
            {
                byte label = data[offset + labelIndex];
                if (label >= classNames.Count)
                    throw DatasetException.At(files[f], offset + labelIndex,
                        $"label {label} of record {offset / recordBytes} is outside 0..{classNames.Count - 1}");
                labels[image] = label;
                Array.Copy(data, offset + labelBytes, pixels, image * ImageBytes, ImageBytes);
            }
        }
        return new ImageDataset(source, pixels, labels, 3, 32, 32, classNames);
    }

    /// <summary>The folder holding the CIFAR-10 batches: <paramref name="path"/> itself or its <c>cifar-10-batches-bin</c> child; null if neither.</summary>
    public static string? FindCifar10Folder(string path)
    {
        foreach (string folder in new[] { path, Path.Combine(path, Cifar10FolderName) })
        {
            if (File.Exists(Path.Combine(folder, "data_batch_1.bin")) || File.Exists(Path.Combine(folder, "test_batch.bin")))
                return folder;
        }
        return null;
    }

    /// <summary>The folder holding <c>train.bin</c>/<c>test.bin</c> of CIFAR-100: <paramref name="path"/> or its <c>cifar-100-binary</c> child; null if neither.</summary>
    public static string? FindCifar100Folder(string path)
    {
        foreach (string folder in new[] { path, Path.Combine(path, Cifar100FolderName) })
        {
            if (File.Exists(Path.Combine(folder, "train.bin")) || File.Exists(Path.Combine(folder, "test.bin")))
                return folder;
        }
        return null;
    }

    private static IReadOnlyList<string> ReadClassNames(string path, IReadOnlyList<string> standard)
    {
        if (!File.Exists(path))
            return standard;
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != standard.Count)
            throw DatasetException.InFile(path, $"lists {names.Length} class names (expected {standard.Count}, one per line)");
        return names;
    }
}
