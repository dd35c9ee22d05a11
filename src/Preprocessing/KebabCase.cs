using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// The one spelling of an enum value in JSON, configuration and on the command line: kebab-case
/// (<c>center-crop</c>, <c>fp32</c>), or the name given by <see cref="JsonStringEnumMemberNameAttribute"/>.
/// Parsing ignores case, so older upper-case values (<c>RGB</c>, <c>GRAY</c>) still read.
/// </summary>
public static class KebabCase
{
    /// <summary>The kebab-case name of <paramref name="value"/>.</summary>
    public static string Name<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>(TEnum value) where TEnum : struct, Enum => Cache<TEnum>.ByValue.TryGetValue(value, out string? name) ? name : value.ToString();

    /// <summary>Every value's name, in declaration order.</summary>
    public static IReadOnlyList<string> Names<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>() where TEnum : struct, Enum => Cache<TEnum>.Ordered;

    /// <summary>Reads a name (case-insensitive); false when it names no value.</summary>
    public static bool TryParse<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        if (text is not null && Cache<TEnum>.ByName.TryGetValue(text.Trim(), out value)) return true;
        value = default;
        return false;
    }

    /// <summary>Reads a name or throws <see cref="ArgumentException"/> naming <paramref name="setting"/> and the accepted names.</summary>
    public static TEnum Parse<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>(string? text, string setting) where TEnum : struct, Enum =>
        TryParse(text, out TEnum value) ? value : throw new ArgumentException($"{setting} {UnknownMessage<TEnum>(text)}");

    /// <summary>"'x' is not one of a, b, c": the tail of every message about an unknown name.</summary>
    public static string UnknownMessage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum>(string? text) where TEnum : struct, Enum =>
        $"'{text}' is not one of {string.Join(", ", Cache<TEnum>.Ordered)}";

    private static class Cache<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum> where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> ByValue = Build();
        public static readonly Dictionary<string, TEnum> ByName = ByValue.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
        public static readonly string[] Ordered = [.. Enum.GetValues<TEnum>().Select(v => ByValue[v])];

        private static Dictionary<TEnum, string> Build()
        {
            var names = new Dictionary<TEnum, string>();
            foreach (TEnum value in Enum.GetValues<TEnum>())
            {
                string member = value.ToString();
                string? declared = typeof(TEnum).GetField(member)?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name;
                names[value] = declared ?? JsonNamingPolicy.KebabCaseLower.ConvertName(member);
            }
            return names;
        }
    }
}
