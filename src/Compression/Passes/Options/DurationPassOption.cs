using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A positive duration (<see cref="DurationText"/>: <c>30m</c>, <c>90s</c>, <c>1h30m</c>, <c>00:30:00</c>) that is off (null) when not given.</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Help">One line of help.</param>
public sealed record DurationPassOption(string Key, string Help) : PassOption<TimeSpan?>(Key, null, Help)
{
    /// <inheritdoc />
    public override string Accepts => "30m, 90s, 1h30m or 00:30:00; off when not given";

    /// <summary>Why <paramref name="text"/> is not accepted, after the setting's name, or null.</summary>
    public static string? Problem(string? text) =>
        DurationText.TryParse(text, out _) ? null : $"must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but is '{text}'";

    /// <inheritdoc />
    public override TimeSpan? Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.String(Key, null) is not { } text) return null;
        return DurationText.TryParse(text, out var value) ? value : throw reader.ErrorAt(Key, Problem(text)!);
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
