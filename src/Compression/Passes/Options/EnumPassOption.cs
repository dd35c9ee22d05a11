using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A setting naming one value of <typeparamref name="TEnum"/>, spelled in kebab case (<see cref="KebabCase"/>).</summary>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Help">One line of help.</param>
public sealed record EnumPassOption<TEnum>(string Key, TEnum Default, string Help) : PassOption<TEnum>(Key, Default, Help) where TEnum : struct, Enum
{
    /// <inheritdoc />
    public override string Accepts => $"{string.Join(", ", KebabCase.Names<TEnum>())}; default {KebabCase.Name(Default)}";

    /// <inheritdoc />
    public override TEnum Read(RecipeOptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? text = reader.String(Key, null);
        if (text is null) return Default;
        return KebabCase.TryParse(text, out TEnum value) ? value : throw reader.ErrorAt(Key, KebabCase.UnknownMessage<TEnum>(text));
    }

    /// <inheritdoc />
    public override TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor) => visitor.Visit(this);
}
