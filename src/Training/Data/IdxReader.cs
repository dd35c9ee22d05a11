using System.Buffers.Binary;

namespace EdgeToolkit.Training.Data;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed): an images file
/// (magic 0x00000803: count, rows, columns, then one byte per pixel) and a labels file
/// (magic 0x00000801: count, then one byte per label). All header integers are big-endian.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an images file and a labels file into a 1-channel dataset.</summary>
    /// <exception cref="DatasetException">A file is missing or malformed, a label is out of range, or the counts differ.</exception>
    public static ImageDataset Read(string imagesPath, string labelsPath, IReadOnlyList<string> classNames, string? source = null) =>
        Read(DatasetFile.ReadAll(imagesPath), imagesPath, DatasetFile.ReadAll(labelsPath), labelsPath, classNames, source);

    /// <summary>Reads images and labels from streams (raw or gzip); the names are used in error messages.</summary>
    /// <exception cref="DatasetException">The data is malformed, a label is out of range, or the counts differ.</exception>
    public static ImageDataset Read(Stream images, string imagesName, Stream labels, string labelsName, IReadOnlyList<string> classNames, string? source = null) =>
        Read(DatasetFile.ReadAll(images, imagesName), imagesName, DatasetFile.ReadAll(labels, labelsName), labelsName, classNames, source);

    /// <summary>
    /// Reads the train (<c>train-*</c>) or test (<c>t10k-*</c>) pair from a folder laid out like the
    /// MNIST download: <c>{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]</c> (also <c>images.idx3-ubyte</c>).
    /// </summary>
    /// <exception cref="DatasetException">The files are missing or malformed.</exception>
    public static ImageDataset ReadFolder(string folder, bool train, IReadOnlyList<string> classNames)
    {
        string prefix = train ? "train" : "t10k";
        string images = FindFile(folder, prefix, "images", "idx3")
            ?? throw DatasetException.InFile(folder, $"no {prefix}-images-idx3-ubyte[.gz] file in this folder");
        string labels = FindFile(folder, prefix, "labels", "idx1")
            ?? throw DatasetException.InFile(folder, $"no {prefix}-labels-idx1-ubyte[.gz] file in this folder");
        return Read(images, labels, classNames, $"{folder} ({(train ? "train" : "test")})");
    }

    /// <summary>True when <paramref name="folder"/> holds the IDX train images file.</summary>
    public static bool LooksLikeIdxFolder(string folder) => FindFile(folder, "train", "images", "idx3") is not null;

    private static string? FindFile(string folder, string prefix, string kind, string idx)
    {
        foreach (string name in new[] { $"{prefix}-{kind}-{idx}-ubyte", $"{prefix}-{kind}.{idx}-ubyte" })
        {
            foreach (string candidate in new[] { name + ".gz", name })
            {
                string path = Path.Combine(folder, candidate);
                if (File.Exists(path))
                    return path;
            }
        }
        return null;
    }

    private static ImageDataset Read(byte[] imageBytes, string imagesName, byte[] labelBytes, string labelsName, IReadOnlyList<string> classNames, string? source)
    {
        var (pixels, count, rows, cols) = ParseImages(imageBytes, imagesName);
        var labels = ParseLabels(labelBytes, labelsName, classNames.Count);
        if (labels.Length != count)
            throw new DatasetException($"{imagesName} holds {count} images but {labelsName} holds {labels.Length} labels; the counts must match") { FilePath = labelsName };
        return new ImageDataset(source ?? imagesName, pixels, labels, 1, rows, cols, classNames);
    }

    private static (byte[] Pixels, int Count, int Rows, int Cols) ParseImages(byte[] data, string name)
    {
        const int headerBytes = 16;
        CheckHeader(data, name, ImagesMagic, headerBytes, "images (unsigned bytes, 3 dimensions)");
        long count = ReadDimension(data, name, 4, "image count");
        long rows = ReadDimension(data, name, 8, "row count");
        long cols = ReadDimension(data, name, 12, "column count");
        if (rows == 0 || cols == 0 || rows * cols > 1 << 24)
            throw DatasetException.At(name, 8, $"image size {rows}x{cols} is not plausible (expected 1..16777216 pixels per image)");
        long imageBytes = rows * cols;
        CheckRecords(data.LongLength, name, headerBytes, count, imageBytes, "image");
        var pixels = new byte[count * imageBytes];
        Array.Copy(data, headerBytes, pixels, 0, pixels.LongLength);
        return (pixels, (int)count, (int)rows, (int)cols);
    }

    private static long[] ParseLabels(byte[] data, string name, int classCount)
    {
        const int headerBytes = 8;
        CheckHeader(data, name, LabelsMagic, headerBytes, "labels (unsigned bytes, 1 dimension)");
        long count = ReadDimension(data, name, 4, "label count");
        CheckRecords(data.LongLength, name, headerBytes, count, 1, "label");
        var labels = new long[count];
        for (long i = 0; i < count; i++)
        {
            byte label = data[headerBytes + i];
            if (label >= classCount)
                throw DatasetException.At(name, headerBytes + i, $"label {label} of item {i} is outside 0..{classCount - 1}");
            labels[i] = label;
        }
        return labels;
    }

    private static void CheckHeader(byte[] data, string name, int magic, int headerBytes, string what)
    {
        if (data.Length < 4)
            throw DatasetException.At(name, 0, $"file is {data.Length} bytes long, too short for an IDX magic number (expected 0x{magic:X8} for {what})");
        int found = BinaryPrimitives.ReadInt32BigEndian(data);
        if (found != magic)
            throw DatasetException.At(name, 0, $"bad magic number 0x{found:X8} (expected 0x{magic:X8} for IDX {what})");
        if (data.Length < headerBytes)
            throw DatasetException.At(name, data.Length, $"header truncated: file is {data.Length} bytes, the IDX header needs {headerBytes}");
    }

    private static long ReadDimension(byte[] data, string name, int offset, string what)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
        if (value < 0)
            throw DatasetException.At(name, offset, $"{what} {value} is negative");
        return value;
    }

    /// <summary>Distinguishes a header that promises more records than the file holds from a record cut short.</summary>
    internal static void CheckRecords(long fileBytes, string name, long headerBytes, long count, long recordBytes, string record)
    {
        long available = fileBytes - headerBytes;
        long complete = available / recordBytes;
        long partial = available % recordBytes;
        if (complete >= count)
        {
            if (available > count * recordBytes)
                throw DatasetException.At(name, headerBytes + count * recordBytes,
                    $"{available - count * recordBytes} unexpected bytes after the last of the {count} {record}s the header declares");
            return;
        }
        if (partial != 0)
            throw DatasetException.At(name, headerBytes + complete * recordBytes,
                $"truncated record: {record} {complete} has {partial} of {recordBytes} bytes (the header declares {count} {record}s)");
        throw DatasetException.At(name, 4,
            $"header count {count} is larger than the file: it declares {count * recordBytes} bytes of {record}s after offset {headerBytes} but the file holds {available} ({complete} {record}s)");
    }
}
