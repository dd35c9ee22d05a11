namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>
/// The values of a pass's declared settings, from wherever they were given: a recipe entry
/// (<see cref="RecipeOptionReader"/>) or the command line (tools/EdgeKit's <c>CliPassOptions</c>). A pass's options record
/// is built from this once (e.g. <see cref="QuantizePassOptions.Bind"/>), so the two routes cannot build it differently.
/// </summary>
public interface IPassOptionValues
{
    /// <summary>The value of <paramref name="option"/> (its default when not given).</summary>
    T Get<T>(PassOption<T> option);

    /// <summary>Whether <paramref name="option"/> was given (rather than left at its default).</summary>
    bool Has(PassOption option);

    /// <summary>How <paramref name="option"/> is named where the values came from (the recipe key, or the flag), for messages.</summary>
    string NameOf(PassOption option);
}
