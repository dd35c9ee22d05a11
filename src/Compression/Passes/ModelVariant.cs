using System.Globalization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Passes;

/// <summary>One cell of a recipe's matrix: which model, how wide, at which precision.</summary>
/// <param name="Architecture">Architecture name known to <c>ModelFactory</c>.</param>
/// <param name="Alpha">MobileNet width multiplier (1.0 for other architectures).</param>
/// <param name="Precision"><c>fp32</c> or <c>int8</c>.</param>
public sealed record ModelVariant(string Architecture, double Alpha, Precision Precision)
{
    /// <summary>A folder-safe tag such as <c>mobilenet_v1-a0.5-int8</c>.</summary>
    public string Tag => string.Create(CultureInfo.InvariantCulture, $"{Architecture}-a{Alpha}-{KebabCase.Name(Precision)}");

    /// <inheritdoc/>
    public override string ToString() => Tag;
}
