using System.CommandLine;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>Command-line options for typed enums, spelled as in JSON and configuration (<see cref="KebabCase"/>).</summary>
public static class EnumOption
{
    /// <summary>An option that accepts the kebab-case names of <typeparamref name="TEnum"/> (case-insensitive) and lists them in help.</summary>
    public static Option<TEnum> Create<TEnum>(string name, string description, TEnum defaultValue) where TEnum : struct, Enum
    {
        var option = new Option<TEnum>(name)
        {
            Description = $"{description} ({string.Join(", ", KebabCase.Names<TEnum>())}; default {KebabCase.Name(defaultValue)})",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string? text = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (KebabCase.TryParse(text, out TEnum value)) return value;
                r.AddError($"{name} {KebabCase.UnknownMessage<TEnum>(text)}");
                return defaultValue;
            },
        };
        option.CompletionSources.Add(KebabCase.Names<TEnum>().ToArray());
        return option;
    }
}
