using System.Text;

namespace EdgeToolkit.ModelBundle;

/// <summary>
/// Writes files so that a reader (or a crash) sees the previous content or the new one, never a part:
/// the content goes to a hidden temporary file beside the target (<c>.name.tmp-&lt;guid&gt;</c>, same folder,
/// so the rename is atomic), is flushed to disk, and is then renamed over the target. A writer killed
/// mid-write leaves the previous file intact and a stale temporary file that the next write of the same
/// target removes. Every artefact the toolkit writes (bundles, results, reports, status files) goes through here.
/// </summary>
public static class AtomicFile
{
    /// <summary>What every temporary name contains; readers that scan folders skip such names.</summary>
    public const string TempTag = ".tmp-";

    /// <summary>A temporary file untouched this long belongs to a writer that died (a live writer keeps writing to it).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>Writes <paramref name="write"/>'s bytes to <paramref name="path"/> atomically, creating the folder.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = Stage(target, write);
        Publish(temp, target);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
    }

    /// <summary>Writes <paramref name="lines"/>, each followed by a line feed, to <paramref name="path"/> atomically.</summary>
    public static void WriteAllLines(string path, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
    }

    /// <summary>
    /// Writes the content into a fresh temporary file beside <paramref name="path"/> (flushed to disk) and returns
    /// its path; <see cref="Publish"/> renames it into place. Stale temporary files of the same target are removed first.
    /// On failure the temporary file is deleted and the exception propagates.
    /// </summary>
    public static string Stage(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temp = TempPath(path);
        try
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>
    /// A new temporary name beside <paramref name="path"/>; its folder is created and temporaries of that target
    /// untouched for <see cref="StaleAfter"/> (left by a killed writer) are removed.
    /// </summary>
    public static string TempPath(string path)
    {
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"{path}: not a file path", nameof(path));
        string name = Path.GetFileName(target);
        if (name.Length == 0) throw new ArgumentException($"{path}: not a file path", nameof(path));
        Directory.CreateDirectory(folder);
        foreach (string stale in Directory.EnumerateFiles(folder, $".{name}{TempTag}*"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(stale) > StaleAfter) TryDelete(stale);
        }
        return Path.Combine(folder, $".{name}{TempTag}{Guid.NewGuid():N}");
    }

    /// <summary>Renames a staged temporary file over <paramref name="path"/> (atomic on one file system).</summary>
    public static void Publish(string tempFile, string path) => File.Move(tempFile, Path.GetFullPath(path), overwrite: true);

    /// <summary>True for the temporary names this class makes (hidden, containing <see cref="TempTag"/>).</summary>
    public static bool IsTempName(string fileName) =>
        fileName.StartsWith('.') && fileName.Contains(TempTag, StringComparison.Ordinal);

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
