using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A number setting in [<see cref="Min"/>, <see cref="Max"/>].</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">One line of help.</param>
public sealed record DoublePassOption(string Key, double Default, double Min, double Max, string Help) : PassOption<double>(Key, Default, Help)
{
    /// <inheritdoc />
    public override string Accepts => string.Create(CultureInfo.InvariantCulture, $"{Min} to {Max}; default {Default}");

    /// <summary>Why <paramref name="value"/> is not accepted (naming <paramref name="setting"/>), or null.</summary>
    public string? Problem(double value, string setting) => NumberRange.Problem(value, Min, Max, setting);

    /// <inheritdoc />
    public override double Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.Double(Key, Default, Min, Max);
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
