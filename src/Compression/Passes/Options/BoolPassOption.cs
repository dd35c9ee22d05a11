namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A switch (true/false in a recipe; a flag on the command line).</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Help">One line of help.</param>
public sealed record BoolPassOption(string Key, bool Default, string Help) : PassOption<bool>(Key, Default, Help)
{
    /// <inheritdoc />
    public override string Accepts => Default ? "default on" : "default off";

    /// <inheritdoc />
    public override bool Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.Bool(Key, Default);
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
