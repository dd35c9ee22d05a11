namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A list of names (a JSON array in a recipe; comma separated on the command line), each one of <see cref="Allowed"/> when given.</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Help">One line of help.</param>
public sealed record StringListPassOption(string Key, IReadOnlyList<string> Default, string Help) : PassOption<IReadOnlyList<string>>(Key, Default, Help)
{
    /// <summary>When set, the only names accepted (case-insensitive; returned as listed here).</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <inheritdoc />
    public override string Accepts =>
        $"{(Allowed is null ? "comma separated" : $"comma separated, of {string.Join(", ", Allowed)}")}; default {(Default.Count == 0 ? "none" : string.Join(",", Default))}";

    /// <summary>The names of <paramref name="values"/> as <see cref="Allowed"/> spells them, or the first unknown one's position and problem.</summary>
    public (IReadOnlyList<string>? Names, int Index, string? Problem) Check(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Allowed is null) return (values, -1, null);
        var names = new List<string>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            string? known = Allowed.FirstOrDefault(a => string.Equals(a, values[i].Trim(), StringComparison.OrdinalIgnoreCase));
            if (known is null) return (null, i, $"'{values[i]}' is not one of {string.Join(", ", Allowed)}");
            names.Add(known);
        }
        return (names, -1, null);
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.StringList(Key) is not { } values) return Default;
        var (names, index, problem) = Check(values);
        return names ?? throw reader.ErrorAt($"{Key}[{index}]", problem!);
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
