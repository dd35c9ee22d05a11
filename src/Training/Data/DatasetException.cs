namespace EdgeToolkit.Training.Data;

/// <summary>
/// A dataset file or folder is missing or malformed. The message names the file, the byte offset
/// (where there is one) and what was expected.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public DatasetException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message (prefer the other constructors).</summary>
    public DatasetException() { }

    /// <summary>The file or folder at fault, when known.</summary>
    public string? FilePath { get; init; }

    /// <summary>The byte offset at fault inside <see cref="FilePath"/> (decompressed for .gz), when known.</summary>
    public long? Offset { get; init; }

    internal static DatasetException At(string path, long offset, string what) =>
        new($"{path}: at byte offset {offset}: {what}") { FilePath = path, Offset = offset };

    internal static DatasetException InFile(string path, string what) =>
        new($"{path}: {what}") { FilePath = path };
}
