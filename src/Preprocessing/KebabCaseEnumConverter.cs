using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeToolkit.Preprocessing;

/// <summary>Writes and reads an enum as its <see cref="KebabCase"/> name; an unknown name throws <see cref="UnknownEnumNameException"/>.</summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class KebabCaseEnumConverter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    /// <inheritdoc/>
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new UnknownEnumNameException($"a {reader.TokenType} is not one of {string.Join(", ", KebabCase.Names<TEnum>())}");
        string? text = reader.GetString();
        return KebabCase.TryParse(text, out TEnum value) ? value : throw new UnknownEnumNameException(KebabCase.UnknownMessage<TEnum>(text));
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => writer.WriteStringValue(KebabCase.Name(value));
}
