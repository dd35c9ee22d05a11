using System.Text.Json;

namespace EdgeToolkit.Preprocessing;

/// <summary>A JSON value names no member of an enum; the message lists the accepted names, <see cref="JsonException.Path"/> says where.</summary>
public sealed class UnknownEnumNameException : JsonException
{
    /// <summary>Creates the exception.</summary>
    public UnknownEnumNameException()
    {
    }

    /// <summary>Creates the exception with a message such as <c>'zoom' is not one of stretch, center-crop</c>.</summary>
    public UnknownEnumNameException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the cause.</summary>
    public UnknownEnumNameException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
