using System.Globalization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// One numeric pass setting declared once: its recipe field, its command-line option, default, range and
/// help. The recipe reader (<see cref="RecipeOptionReader.Double(NumberSetting)"/>) and the CLI both bind from
/// the same declaration, so the two routes cannot drift.
/// </summary>
/// <param name="RecipeName">Field name in a recipe's pass options (camelCase, e.g. <c>bnSparsity</c>).</param>
/// <param name="CliName">Command-line option (e.g. <c>--bn-sparsity</c>).</param>
/// <param name="Default">Value when the setting is not given.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Help">What the setting does, for <c>--help</c> and the docs.</param>
public sealed record NumberSetting(string RecipeName, string CliName, double Default, double Min, double Max, string Help)
{
    /// <summary>Whether <paramref name="value"/> is finite and in [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public bool Accepts(double value) => double.IsFinite(value) && value >= Min && value <= Max;

    /// <summary>The problem with an out-of-range value, worded as the recipe reader words it (<c>must be in [0, 1] but is -1</c>).</summary>
    public string Problem(double value) => string.Create(CultureInfo.InvariantCulture, $"must be in [{Min}, {Max}] but is {value}");
}
