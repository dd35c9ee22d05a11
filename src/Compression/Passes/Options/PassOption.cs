namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>
/// One setting of a pass, declared once (as Olive's passes declare theirs): its recipe key, help, default and the
/// values it accepts. The recipe reader (<see cref="RecipeOptionReader"/>) and the command line (tools/EdgeKit's
/// <c>PassOptionCli</c>) both bind from the declaration, so a verb and a recipe cannot disagree on a name, a
/// default or a range.
/// </summary>
/// <param name="Key">Recipe key (camelCase, e.g. <c>verificationImages</c>).</param>
/// <param name="Help">One line of help, without the default or range (those are added from the declaration).</param>
public abstract record PassOption(string Key, string Help)
{
    /// <summary>The command-line flag: the key in kebab case (<c>verificationImages</c> -> <c>--verification-images</c>).</summary>
    public string CliName => "--" + System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(Key);

    /// <summary>Earlier command-line spellings still accepted (e.g. <c>--verify-images</c>).</summary>
    public IReadOnlyList<string> CliAliases { get; init; } = [];

    /// <summary>The accepted values and the default, in words, for help texts (e.g. "13 or 17; default 13").</summary>
    public abstract string Accepts { get; }

    /// <summary>Calls the <paramref name="visitor"/> method for this kind of setting (how the command line builds its option).</summary>
    public abstract TResult Accept<TResult>(IPassOptionVisitor<TResult> visitor);
}
