using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// Command-line options made from a pass's declared settings (<see cref="PassOption"/>): the same name (the key in
/// kebab case, plus earlier spellings as aliases), default and accepted values as the recipe reader uses. Every
/// option parses its own token, so a value that does not parse or is out of range is a parse error naming the flag
/// (a validator reading a value that did not parse throws instead). The description ends with what the option
/// accepts and its default (<see cref="PassOption.Accepts"/>), so help prints no second default (<see cref="DeclaredOption{T}"/>).
/// </summary>
public static class PassOptionCli
{
    /// <summary>An integer option; a value that is not an integer or is outside the declaration is refused naming the flag.</summary>
    public static Option<int> Cli(this IntPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return Create(declared, r => ParseOne(r, declared.CliName, declared.Default, ParseInt, "an integer", v => declared.Problem(v, declared.CliName)));
    }

    /// <summary>A number option; a value that is not a number or is outside the declaration is refused naming the flag.</summary>
    public static Option<double> Cli(this DoublePassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return Create(declared, r => ParseOne(r, declared.CliName, declared.Default, ParseDouble, "a number", v => declared.Problem(v, declared.CliName)));
    }

    /// <summary>A number option that is off (null) when not given.</summary>
    public static Option<double?> Cli(this OptionalDoublePassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return Create<double?>(declared, r => ParseOne(r, declared.CliName, 0.0, ParseDouble, "a number", v => declared.Problem(v, declared.CliName)));
    }

    /// <summary>A flag.</summary>
    public static Option<bool> Cli(this BoolPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return new DeclaredOption<bool>(declared.CliName, [.. declared.CliAliases]) { Description = Describe(declared), DefaultValueFactory = _ => declared.Default };
    }

    /// <summary>An option naming an enum value in kebab case; an unknown name lists the known ones.</summary>
    public static Option<TEnum> Cli<TEnum>(this EnumPassOption<TEnum> declared) where TEnum : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(declared);
        var option = Create(declared, r =>
        {
            string? text = Token(r);
            if (KebabCase.TryParse(text, out TEnum value)) return value;
            r.AddError($"{declared.CliName} {KebabCase.UnknownMessage<TEnum>(text)}");
            return declared.Default;
        });
        // System.CommandLine lists an enum's C# names by itself (help showed <Arm64|arm64|arm64-dot|Arm64DotProduct|...>);
        // only the kebab-case names are the option's spelling.
        option.CompletionSources.Clear();
        option.CompletionSources.Add(KebabCase.Names<TEnum>().ToArray());
        return option;
    }

    /// <summary>A comma-separated list of names; an unknown name lists the known ones.</summary>
    public static Option<IReadOnlyList<string>> Cli(this StringListPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var option = Create<IReadOnlyList<string>>(declared, r =>
        {
            var (names, _, problem) = declared.Check(Split(Token(r)));
            if (names is not null) return names;
            r.AddError($"{declared.CliName}: {problem}.");
            return declared.Default;
        });
        if (declared.Allowed is not null) option.CompletionSources.Add(declared.Allowed.ToArray());
        return option;
    }

    /// <summary>A comma-separated list of integers.</summary>
    public static Option<IReadOnlyList<int>> Cli(this IntListPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return Create<IReadOnlyList<int>>(declared, r =>
        {
            var values = new List<int>();
            foreach (string part in Split(Token(r)))
            {
                if (ParseInt(part) is not int v)
                {
                    r.AddError($"{declared.CliName} must be comma-separated integers such as 82,123 but '{part}' is not an integer.");
                    return declared.Default;
                }
                if (declared.Problem(v, declared.CliName) is { } problem) r.AddError(problem + ".");
                values.Add(v);
            }
            return values;
        });
    }

    /// <summary>A duration option (<c>30m</c>, <c>90s</c>, <c>1h30m</c>, <c>00:30:00</c>) that is off (null) when not given.</summary>
    public static Option<TimeSpan?> Cli(this DurationPassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return Create<TimeSpan?>(declared, r =>
        {
            string? text = Token(r);
            if (DurationText.TryParse(text, out var value)) return value;
            r.AddError($"{declared.CliName} {DurationPassOption.Problem(text)}.");
            return null;
        });
    }

    /// <summary>The option of any declared setting (<see cref="PassOption.Accept"/>).</summary>
    public static Option Cli(this PassOption declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return declared.Accept(Factory.Instance);
    }

    private static Option<T> Create<T>(PassOption<T> declared, Func<ArgumentResult, T> parse) => new DeclaredOption<T>(declared.CliName, [.. declared.CliAliases])
    {
        Description = Describe(declared),
        DefaultValueFactory = _ => declared.Default,
        CustomParser = r => parse(r),
        Arity = ArgumentArity.ExactlyOne,
    };

    private static T ParseOne<T>(ArgumentResult result, string name, T fallback, Func<string?, T?> parse, string kind, Func<T, string?> problem)
        where T : struct
    {
        string? text = Token(result);
        if (parse(text) is not T value)
        {
            result.AddError($"{name} must be {kind} but is '{text}'.");
            return fallback;
        }
        if (problem(value) is { } bad) result.AddError(bad + ".");
        return value;
    }

    private static string? Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : null;

    private static string[] Split(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int? ParseInt(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;

    private static double? ParseDouble(string? text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    private static string Describe(PassOption declared) => $"{declared.Help} ({declared.Accepts})";

    private sealed class Factory : IPassOptionVisitor<Option>
    {
        public static readonly Factory Instance = new();

        public Option Visit(IntPassOption option) => option.Cli();

        public Option Visit(DoublePassOption option) => option.Cli();

        public Option Visit(OptionalDoublePassOption option) => option.Cli();

        public Option Visit(BoolPassOption option) => option.Cli();

        public Option Visit(StringListPassOption option) => option.Cli();

        public Option Visit(IntListPassOption option) => option.Cli();

        public Option Visit(DurationPassOption option) => option.Cli();

        public Option Visit<TEnum>(EnumPassOption<TEnum> option) where TEnum : struct, Enum => option.Cli();
    }
}
