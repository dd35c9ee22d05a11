using System.Text.Json.Serialization;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Whether large baseline JPEGs are decoded at reduced size (<c>EdgeAgent:ReducedJpegDecoding</c>), spelled in kebab case in configuration.</summary>
public enum ReducedJpegDecodingMode
{
    /// <summary>Decode a baseline JPEG at 1/8, 1/4 or 1/2 size when that still covers the model input (the default).</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary>Always decode full size with ImageSharp.</summary>
    [JsonStringEnumMemberName("off")]
    Off,
}
