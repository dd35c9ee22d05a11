namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>A declared setting whose value is a <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Key">Recipe key.</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Help">One line of help.</param>
public abstract record PassOption<T>(string Key, T Default, string Help) : PassOption(Key, Help)
{
    /// <summary>Reads the setting from a recipe entry (the default when absent); a bad value throws a <see cref="RecipeException"/> naming the field.</summary>
    public abstract T Read(RecipeOptionReader reader);
}
