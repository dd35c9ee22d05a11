using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EdgeToolkit.Preprocessing;

/// <summary>The order and meaning of the model's input channels (manifest <c>channelOrder</c>); schema-1 upper-case names still read.</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<ChannelOrder>))]
[TypeConverter(typeof(KebabCaseEnumTypeConverter<ChannelOrder>))]
public enum ChannelOrder
{
    /// <summary>Red, green, blue planes.</summary>
    Rgb,

    /// <summary>Blue, green, red planes (OpenCV-trained models).</summary>
    Bgr,

    /// <summary>One luma plane, ITU-R BT.601 rounded to a byte as training's image reader does.</summary>
    Gray,
}
