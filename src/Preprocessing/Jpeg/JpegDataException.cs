namespace EdgeToolkit.Preprocessing.Jpeg;

/// <summary>
/// A JPEG stream that breaks the format: <see cref="Reason"/> is <c>truncated</c> (the data ends, or reaches
/// EOI, before the image is complete), <c>corrupt</c> (a malformed segment, table or entropy code) or
/// <c>too-large</c>; <see cref="Offset"/> is the byte where it was found.
/// </summary>
public sealed class JpegDataException : Exception
{
    /// <summary>Creates the exception; the message gets " at byte <paramref name="offset"/>" appended.</summary>
    public JpegDataException(string reason, string message, int offset) : base($"{message} at byte {offset}")
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>Creates the exception with reason <c>corrupt</c> at offset 0.</summary>
    public JpegDataException() : this("corrupt", "corrupt JPEG", 0) { }

    /// <summary>Creates the exception with reason <c>corrupt</c> at offset 0.</summary>
    public JpegDataException(string message) : this("corrupt", message, 0) { }

    /// <summary>Creates the exception with reason <c>corrupt</c> at offset 0.</summary>
    public JpegDataException(string message, Exception inner) : base(message, inner) => Reason = "corrupt";

    /// <summary>Short reason used as the bad-frame counter tag: <c>truncated</c>, <c>corrupt</c> or <c>too-large</c>.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the JPEG where the problem was found.</summary>
    public int Offset { get; }

    internal static JpegDataException Corrupt(string message, int offset) => new("corrupt", message, offset);

    internal static JpegDataException Truncated(string message, int offset) => new("truncated", message, offset);
}
