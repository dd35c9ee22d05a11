using System.Security.Cryptography;

namespace EdgeToolkit.ModelBundle;

/// <summary>
/// Reads files that come from outside (manifests, models, frames) without trusting them: only a non-empty
/// regular file within a size limit is read, and never more bytes than its size said. A FIFO, a device
/// (<c>/dev/zero</c>), a <c>/proc</c> file or a symbolic link to one reports size 0 and is refused before it is
/// opened, so nothing blocks or reads forever.
/// </summary>
public static class BoundedFile
{
    /// <summary>Classifies <paramref name="path"/> against a limit of <paramref name="maxBytes"/> without opening it; <paramref name="length"/> is its size.</summary>
    public static BoundedFileStatus Classify(string path, long maxBytes, out long length)
    {
        length = 0;
        var info = new FileInfo(path);
        if (!info.Exists) return Directory.Exists(path) ? BoundedFileStatus.Folder : BoundedFileStatus.Missing;
        try
        {
            // FileInfo.Length of a symbolic link is the link's own size: judge what it finally points to.
            if (info.LinkTarget is not null)
            {
                if (info.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } target) return BoundedFileStatus.Missing;
                info = target;
            }
            length = info.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return BoundedFileStatus.Unreadable;
        }
        if (length == 0) return BoundedFileStatus.NotRegular;
        return length > maxBytes ? BoundedFileStatus.TooLarge : BoundedFileStatus.Ok;
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as a file of at most <paramref name="maxBytes"/> bytes, or null when it can;
    /// <paramref name="length"/> is its size then.
    /// </summary>
    public static string? Problem(string path, long maxBytes, out long length) => Classify(path, maxBytes, out length) switch
    {
        BoundedFileStatus.Ok => null,
        BoundedFileStatus.Missing => "not found",
        BoundedFileStatus.Folder => "is a folder, not a file",
        BoundedFileStatus.NotRegular => "is empty or not a regular file (a FIFO, a device or a /proc file reports no size)",
        BoundedFileStatus.TooLarge => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"is {length} bytes, over the limit of {maxBytes} bytes"),
        _ => "cannot be read (its size is not readable)",
    };

    /// <summary>Opens a checked file for reading; throws <see cref="IOException"/> with the reason (path first) when it may not be read.</summary>
    public static FileStream OpenRead(string path, long maxBytes, out long length)
    {
        if (Problem(path, maxBytes, out length) is { } problem) throw new IOException($"{path}: {problem}");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>Reads a whole checked file; throws <see cref="IOException"/> naming the path when it is not a regular file within <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        using var stream = OpenRead(path, maxBytes, out long length);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() >= 0) throw new IOException($"{path}: grew while it was read (more than its {length} bytes)");
        return bytes;
    }

    /// <summary>Reads a whole checked file as UTF-8 text.</summary>
    public static string ReadAllText(string path, long maxBytes) => System.Text.Encoding.UTF8.GetString(ReadAllBytes(path, maxBytes));

    /// <summary>
    /// Lower-case hex SHA-256 of a file of at most <paramref name="maxBytes"/> bytes, reading exactly the size it
    /// reports and never more (an empty file hashes as empty; a device that keeps yielding bytes is refused).
    /// </summary>
    public static string Sha256(string path, long maxBytes)
    {
        if (Classify(path, long.MaxValue, out long length) is BoundedFileStatus.Missing or BoundedFileStatus.Folder)
            throw new FileNotFoundException($"{path}: not found", path);
        if (length > maxBytes) throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}: is {length} bytes, over the limit of {maxBytes} bytes"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Size 0: a FIFO would block on open and a device never ends; hashing nothing is the bounded answer.
        if (length == 0) return Convert.ToHexStringLower(hash.GetHashAndReset());
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        long left = length;
        while (left > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw new IOException($"{path}: shrank while it was read ({length - left} of {length} bytes)");
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        if (stream.ReadByte() >= 0) throw new IOException($"{path}: grew while it was read (more than its {length} bytes)");
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
