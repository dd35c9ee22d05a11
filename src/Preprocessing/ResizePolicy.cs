using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// How a decoded image of any size is fitted to the model's input (manifest <c>resizePolicy</c>).
/// Each policy is what one training route did, so the device sees what training saw.
/// </summary>
[JsonConverter(typeof(KebabCaseEnumConverter<ResizePolicy>))]
[TypeConverter(typeof(KebabCaseEnumTypeConverter<ResizePolicy>))]
public enum ResizePolicy
{
    /// <summary>Resize both sides to the input size, aspect ratio not kept (the schema-1 export default).</summary>
    Stretch,

    /// <summary>
    /// Resize so the shorter side fits, then cut the centre (ImageSharp <c>ResizeMode.Crop</c>, triangle filter):
    /// exactly what <c>ImageFolderReader</c> does to training images; an image already at the input size is untouched.
    /// </summary>
    CenterCrop,

    /// <summary>Resize so the longer side fits, aspect kept, and centre on black.</summary>
    Letterbox,

    /// <summary>
    /// Centre the image unscaled on black (zero pixels before normalisation), as <c>BatchLoader</c> pads 28x28 to 32x32;
    /// an image larger than the input in either side is first reduced, aspect kept, to fit (then as letterbox).
    /// </summary>
    Pad,
}
