using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// Command-line options made from a pass's declared settings (<see cref="PassOption"/>): the same name (the key in
/// kebab case, plus earlier spellings as aliases), default and accepted values as the recipe reader uses.
/// </summary>
public static class PassOptionCli
{
    /// <summary>An integer option; a value that is not an integer or is outside the declaration is refused naming the flag.</summary>
    public static Option<int> Cli(this IntPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return new Option<int>(declared.CliName, [.. declared.CliAliases])
        {
            Description = Describe(declared),
            DefaultValueFactory = _ => declared.Default,
            // Parsed here rather than checked in a validator: a validator reading a value that did not parse throws.
            CustomParser = r => Parse(r, declared, declared.Default, text =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null,
                "an integer", v => declared.Problem(v, declared.CliName)),
        };
    }

    /// <summary>A number option; a value that is not a number or is outside the declaration is refused naming the flag.</summary>
    public static Option<double> Cli(this DoublePassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return new Option<double>(declared.CliName, [.. declared.CliAliases])
        {
            Description = Describe(declared),
            DefaultValueFactory = _ => declared.Default,
            CustomParser = r => Parse(r, declared, declared.Default, text =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null,
                "a number", v => declared.Problem(v, declared.CliName)),
        };
    }

    private static T Parse<T>(ArgumentResult result, PassOption declared, T fallback, Func<string?, T?> parse, string kind, Func<T, string?> problem)
        where T : struct
    {
        string? text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (parse(text) is not T value)
        {
            result.AddError($"{declared.CliName} must be {kind} but is '{text}'.");
            return fallback;
        }
        if (problem(value) is { } bad) result.AddError(bad + ".");
        return value;
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
