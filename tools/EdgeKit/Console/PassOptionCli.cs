using System.CommandLine;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// Command-line options made from a pass's declared settings (<see cref="PassOption"/>): the same name (the key in
/// kebab case, plus earlier spellings as aliases), default and accepted values as the recipe reader uses.
/// </summary>
public static class PassOptionCli
{
    /// <summary>An integer option; a value outside the declaration is refused naming the flag.</summary>
    public static Option<int> Cli(this IntPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var option = new Option<int>(declared.CliName, [.. declared.CliAliases]) { Description = Describe(declared), DefaultValueFactory = _ => declared.Default };
        option.Validators.Add(r =>
        {
            if (declared.Problem(r.GetValueOrDefault<int>(), declared.CliName) is { } problem) r.AddError(problem + ".");
        });
        return option;
    }

    /// <summary>A number option; a value outside the declaration is refused naming the flag.</summary>
    public static Option<double> Cli(this DoublePassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var option = new Option<double>(declared.CliName, [.. declared.CliAliases]) { Description = Describe(declared), DefaultValueFactory = _ => declared.Default };
        option.Validators.Add(r =>
        {
            if (declared.Problem(r.GetValueOrDefault<double>(), declared.CliName) is { } problem) r.AddError(problem + ".");
        });
        return option;
    }

    /// <summary>A flag.</summary>
    public static Option<bool> Cli(this BoolPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return new Option<bool>(declared.CliName, [.. declared.CliAliases]) { Description = Describe(declared), DefaultValueFactory = _ => declared.Default };
    }

    /// <summary>An option naming an enum value in kebab case; an unknown name lists the known ones.</summary>
    public static Option<TEnum> Cli<TEnum>(this EnumPassOption<TEnum> declared) where TEnum : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(declared);
        var option = new Option<TEnum>(declared.CliName, [.. declared.CliAliases])
        {
            Description = Describe(declared),
            DefaultValueFactory = _ => declared.Default,
            CustomParser = r =>
            {
                string? text = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (KebabCase.TryParse(text, out TEnum value)) return value;
                r.AddError($"{declared.CliName} {KebabCase.UnknownMessage<TEnum>(text)}");
                return declared.Default;
            },
        };
        option.CompletionSources.Add(KebabCase.Names<TEnum>().ToArray());
        return option;
    }

    private static string Describe(PassOption declared) => $"{declared.Help} ({declared.Accepts})";
}
