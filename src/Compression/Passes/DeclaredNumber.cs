using System.Globalization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// A numeric pass option declared once: its recipe field, its CLI name, its range and its help text, so the
/// recipe reader and the CLI bind from the same declaration and cannot drift.
/// </summary>
/// <param name="Field">Name in a recipe's <c>options</c> object, e.g. <c>maxDrop</c>.</param>
/// <param name="CliName">Name on the command line, e.g. <c>--max-drop</c>.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">What it does, for <c>--help</c> and the docs.</param>
public sealed record DeclaredNumber(string Field, string CliName, double Min, double Max, string Help)
{
    /// <summary>Reads the field from a recipe entry; null when absent.</summary>
    public double? Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        double value = reader.Double(Field, double.NaN, Min, Max);
        return double.IsNaN(value) ? null : value;
    }

    /// <summary>Checks a command-line value; the message names <see cref="CliName"/>.</summary>
    /// <exception cref="ArgumentException">The value is outside [<see cref="Min"/>, <see cref="Max"/>].</exception>
    public double? Check(double? value)
    {
        if (value is { } v && (double.IsNaN(v) || v < Min || v > Max))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{CliName} must be in [{Min}, {Max}] but is {v}"), CliName);
        return value;
    }
}
