using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A number setting in [<see cref="Min"/>, <see cref="Max"/>].</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">One line of help.</param>
public sealed record DoublePassOption(string Key, double Default, double Min, double Max, string Help) : PassOption(Key, Help)
{
    /// <inheritdoc />
    public override string Accepts => string.Create(CultureInfo.InvariantCulture, $"{Min} to {Max}; default {Default}");

    /// <summary>Why <paramref name="value"/> is not accepted (naming <paramref name="setting"/>), or null.</summary>
    public string? Problem(double value, string setting) =>
        !double.IsFinite(value) || value < Min || value > Max
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} must be in [{Min}, {Max}] but is {value}")
            : null;

    /// <summary>Reads the setting from a recipe entry (the default when absent).</summary>
    public double Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.Double(Key, Default, Min, Max);
    }
}
