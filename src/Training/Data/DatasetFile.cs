using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeToolkit.Training.Data;

/// <summary>Reads a whole dataset file into memory, transparently un-gzipping it (detected by the gzip magic bytes).</summary>
internal static class DatasetFile
{
    /// <summary>Largest decompressed file accepted (a crafted .gz cannot exhaust memory).</summary>
    internal const long MaxBytes = 1L << 30;

    /// <summary>Deflate cannot expand data by more than about 1032:1.</summary>
    private const long MaxDeflateRatio = 1032;

    internal static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
            throw DatasetException.InFile(path, "file not found");
        using var stream = OpenRead(path);
        return ReadAll(stream, path);
    }

    internal static byte[] ReadAll(Stream stream, string name)
    {
        byte[] raw = ReadBounded(stream, name, gzip: false);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
            return raw;
        // The trailer holds the uncompressed size (mod 2^32): read exactly that much, then expect the end.
        // GZipStream stops silently at the end of a truncated file, so this check is what catches one.
        uint size = raw.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)) : uint.MaxValue;
        if (size > MaxBytes)
            throw DatasetException.InFile(name, $"not a valid gzip stream: truncated or corrupt, or more than {MaxBytes} bytes after decompression (the gzip trailer says {size})");
        if (size > (long)raw.Length * MaxDeflateRatio)
            throw DatasetException.InFile(name, $"not a valid gzip stream: truncated or corrupt (its trailer claims {size} bytes from {raw.Length} compressed bytes, more than deflate can encode)");
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            var data = new byte[size];
            int got = gzip.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got != data.Length || gzip.ReadByte() != -1)
                throw DatasetException.InFile(name, $"not a valid gzip stream: truncated or corrupt ({raw.Length} compressed bytes do not decompress to the {size} bytes its trailer states; multi-member gzip is not supported)");
            return data;
        }
        catch (InvalidDataException e)
        {
            throw DatasetException.InFile(name, $"not a valid gzip stream ({e.Message})");
        }
    }

    private static byte[] ReadBounded(Stream source, string name, bool gzip)
    {
        try
        {
            using var buffer = source.CanSeek ? new MemoryStream((int)Math.Min(MaxBytes, Math.Max(0, source.Length - source.Position))) : new MemoryStream();
            var chunk = new byte[1 << 16];
            int n;
            while ((n = source.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxBytes)
                    throw DatasetException.InFile(name, $"more than {MaxBytes} bytes{(gzip ? " after decompression" : "")}; not a dataset file this reader accepts");
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (IOException e)
        {
            throw new DatasetException($"{name}: cannot be read ({e.Message})", e) { FilePath = name };
        }
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot be opened ({e.Message})", e) { FilePath = path };
        }
    }
}
