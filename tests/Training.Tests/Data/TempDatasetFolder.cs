using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeToolkit.Training.Tests.Data;

/// <summary>A temporary folder with generators for small IDX, CIFAR and image-folder datasets.</summary>
internal sealed class TempDatasetFolder : IDisposable
{
    public TempDatasetFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgekit-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Pixel value of image i at byte j: distinct per image so order and content can be checked.</summary>
    public static byte PixelOf(int image, int index) => (byte)((image * 31 + index * 7) % 256);

    public static byte[] IdxImages(int count, int rows, int cols, int? declaredCount = null, int magic = 0x803)
    {
        var data = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), declaredCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(12), cols);
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < rows * cols; j++)
                data[16 + i * rows * cols + j] = PixelOf(i, j);
        }
        return data;
    }

    public static byte[] IdxLabels(IReadOnlyList<byte> labels, int? declaredCount = null, int magic = 0x801)
    {
        var data = new byte[8 + labels.Count];
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), declaredCount ?? labels.Count);
        for (int i = 0; i < labels.Count; i++)
            data[8 + i] = labels[i];
        return data;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(data);
        return buffer.ToArray();
    }

    public static byte[] Labels(int count, int classes) => Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray();

    /// <summary>Writes {prefix}-images-idx3-ubyte[.gz] and {prefix}-labels-idx1-ubyte[.gz] for train and t10k.</summary>
    public void WriteIdxDataset(string folder, int trainCount, int testCount, bool gzip = true, int size = 28)
    {
        Directory.CreateDirectory(folder);
        foreach (var (prefix, count) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            string ext = gzip ? ".gz" : "";
            var images = IdxImages(count, size, size);
            var labels = IdxLabels(Labels(count, 10));
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"{prefix}-images-idx3-ubyte{ext}"), gzip ? Gzip(images) : images);
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{ext}"), gzip ? Gzip(labels) : labels);
        }
    }

    /// <summary>CIFAR records: labelBytes label bytes (label i % classes; for 2 bytes coarse = fine % 20) + 3072 pixels.</summary>
    public static byte[] CifarRecords(int count, int labelBytes, int classes, int firstImage = 0)
    {
        int record = labelBytes + 3072;
        var data = new byte[count * record];
        for (int i = 0; i < count; i++)
        {
            int image = firstImage + i;
            int fine = image % classes;
            if (labelBytes == 1)
                data[i * record] = (byte)fine;
            else
            {
                data[i * record] = (byte)(fine % 20);
                data[i * record + 1] = (byte)fine;
            }
            for (int j = 0; j < 3072; j++)
                data[i * record + labelBytes + j] = PixelOf(image, j);
        }
        return data;
    }

    public void WriteCifar10(string folder, int perBatch, int testCount)
    {
        Directory.CreateDirectory(folder);
        for (int b = 1; b <= 5; b++)
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"data_batch_{b}.bin"), CifarRecords(perBatch, 1, 10, (b - 1) * perBatch));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, "test_batch.bin"), CifarRecords(testCount, 1, 10));
    }

    /// <summary>Writes class folders of solid-colour images (colour depends on class) in the given format.</summary>
    public void WriteImageFolder(string folder, IReadOnlyList<string> classes, int perClass, int width = 20, int height = 16, string extension = ".png")
    {
        for (int c = 0; c < classes.Count; c++)
        {
            string dir = System.IO.Path.Combine(folder, classes[c]);
            Directory.CreateDirectory(dir);
            for (int i = 0; i < perClass; i++)
            {
                using var image = new Image<Rgb24>(width, height, ClassColour(c));
                image.Save(System.IO.Path.Combine(dir, $"img{i:D3}{extension}"));
            }
        }
    }

    public static Rgb24 ClassColour(int c) => new((byte)(40 * c + 20), (byte)(200 - 30 * c), (byte)(10 + 50 * c));
}
