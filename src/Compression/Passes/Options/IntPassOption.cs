using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>An integer setting in [<see cref="Min"/>, <see cref="Max"/>], or one of <see cref="Allowed"/> when given.</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">One line of help.</param>
public sealed record IntPassOption(string Key, int Default, int Min, int Max, string Help) : PassOption<int>(Key, Default, Help)
{
    /// <summary>When set, the only values accepted (within [Min, Max]).</summary>
    public IReadOnlyList<int>? Allowed { get; init; }

    /// <inheritdoc />
    public override string Accepts => string.Create(CultureInfo.InvariantCulture,
        $"{(Allowed is null ? $"{Min} to {Max}" : string.Join(" or ", Allowed))}; default {Default}");

    /// <summary>Why <paramref name="value"/> is not accepted (naming <paramref name="setting"/>), or null.</summary>
    public string? Problem(int value, string setting) =>
        value < Min || value > Max || (Allowed is not null && !Allowed.Contains(value))
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} must be {(Allowed is null ? $"in [{Min}, {Max}]" : string.Join(" or ", Allowed))} but is {value}")
            : null;

    /// <inheritdoc />
    public override int Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int value = reader.Int(Key, Default);
        // The same words as the command line's refusal, after the field path the reader puts first.
        return Problem(value, Key) is { } problem ? throw reader.ErrorAt(Key, problem[(Key.Length + 1)..]) : value;
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
