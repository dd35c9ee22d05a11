namespace EdgeToolkit.Preprocessing;

/// <summary>Image bytes that cannot be decoded; <see cref="Reason"/> is a short tag (empty, unknown-format, too-large, decode-error, truncated, corrupt).</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ImageDecodeException(string reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    /// <summary>Creates the exception with reason <c>decode-error</c>.</summary>
    public ImageDecodeException() : this("decode-error", "image cannot be decoded") { }

    /// <summary>Creates the exception with reason <c>decode-error</c>.</summary>
    public ImageDecodeException(string message) : this("decode-error", message) { }

    /// <summary>Creates the exception with reason <c>decode-error</c>.</summary>
    public ImageDecodeException(string message, Exception inner) : this("decode-error", message, inner) { }

    /// <summary>Short reason, used by the agent as its bad-frame counter tag.</summary>
    public string Reason { get; }
}
