using System.Globalization;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// What a model expects as input, as a bundle manifest declares it: NCHW float, <see cref="Channels"/> x
/// <see cref="Height"/> x <see cref="Width"/>, channels in <see cref="ChannelOrder"/>, images fitted per
/// <see cref="ResizePolicy"/> and normalised as <c>(pixel / 255 - mean) / std</c>.
/// </summary>
/// <param name="Channels">1 or 3.</param>
/// <param name="Height">Input height in pixels.</param>
/// <param name="Width">Input width in pixels.</param>
/// <param name="ChannelOrder">RGB, BGR or grey.</param>
/// <param name="ResizePolicy">How an image of another size is fitted.</param>
/// <param name="Mean">Per-channel mean on the [0, 1] scale.</param>
/// <param name="Std">Per-channel standard deviation on the [0, 1] scale.</param>
public sealed record ModelInput(int Channels, int Height, int Width, ChannelOrder ChannelOrder, ResizePolicy ResizePolicy, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>Floats per image.</summary>
    public int Length => Channels * Height * Width;

    /// <summary>A one-line description for results and logs, e.g. <c>1x32x32 gray, resize pad, mean [0.286] std [0.353]</c>.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Channels}x{Height}x{Width} {KebabCase.Name(ChannelOrder)}, resize {KebabCase.Name(ResizePolicy)}, mean [{string.Join(", ", Mean.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))}] std [{string.Join(", ", Std.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))}]");
}
