using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A list of integers in [<see cref="Min"/>, <see cref="Max"/>] (a JSON array in a recipe; comma separated on the command line).</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">One line of help.</param>
public sealed record IntListPassOption(string Key, int Min, int Max, string Help) : PassOption<IReadOnlyList<int>>(Key, [], Help)
{
    /// <inheritdoc />
    public override string Accepts => string.Create(CultureInfo.InvariantCulture, $"comma separated, each {Min} to {Max}; default none");

    /// <summary>Why <paramref name="value"/> is not accepted (naming <paramref name="setting"/>), or null.</summary>
    public string? Problem(double value, string setting) =>
        value != Math.Floor(value) || value < Min || value > Max
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} must be whole numbers in [{Min}, {Max}] but has {value}")
            : null;

    /// <inheritdoc />
    public override IReadOnlyList<int> Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.DoubleList(Key) is not { } values) return Default;
        foreach (double v in values)
            if (Problem(v, Key) is { } problem) throw reader.ErrorAt(Key, problem[(Key.Length + 1)..]);
        return values.Select(v => (int)v).ToArray();
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
