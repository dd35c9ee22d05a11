using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A number setting in [<see cref="Min"/>, <see cref="Max"/>] that is off (null) when not given.</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">One line of help.</param>
public sealed record OptionalDoublePassOption(string Key, double Min, double Max, string Help) : PassOption<double?>(Key, null, Help)
{
    /// <inheritdoc />
    public override string Accepts => string.Create(CultureInfo.InvariantCulture, $"{Min} to {Max}; off when not given");

    /// <summary>Why <paramref name="value"/> is not accepted (naming <paramref name="setting"/>), or null.</summary>
    public string? Problem(double value, string setting) => NumberRange.Problem(value, Min, Max, setting);

    /// <inheritdoc />
    public override double? Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        double value = reader.Double(Key, double.NaN, Min, Max);
        return double.IsNaN(value) ? null : value;
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
