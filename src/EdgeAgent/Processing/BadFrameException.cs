namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>A frame that cannot be classified; <see cref="Reason"/> is the short counter tag.</summary>
public sealed class BadFrameException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BadFrameException(string reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    /// <summary>Creates the exception with a generic reason.</summary>
    public BadFrameException() : this("bad", "bad frame") { }

    /// <summary>Creates the exception with a generic reason.</summary>
    public BadFrameException(string message) : this("bad", message) { }

    /// <summary>Creates the exception with a generic reason.</summary>
    public BadFrameException(string message, Exception inner) : this("bad", message, inner) { }

    /// <summary>Short reason used as counter tag: empty, unknown-format, too-large, decode-error, bad-size, truncated, corrupt.</summary>
    public string Reason { get; }
}
