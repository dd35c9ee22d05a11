using System.Diagnostics.CodeAnalysis;
using System.ComponentModel;
using System.Globalization;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// Lets Microsoft.Extensions.Configuration bind an enum from its <see cref="KebabCase"/> name
/// (<c>"ResizePolicy": "center-crop"</c>); declared on the enum with <see cref="TypeConverterAttribute"/>.
/// </summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class KebabCaseEnumTypeConverter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] TEnum> : TypeConverter where TEnum : struct, Enum
{
    /// <inheritdoc/>
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc/>
    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) => destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    /// <inheritdoc/>
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) => value is string text
        ? KebabCase.TryParse(text, out TEnum parsed) ? parsed : throw new FormatException(KebabCase.UnknownMessage<TEnum>(text))
        : base.ConvertFrom(context, culture, value);

    /// <inheritdoc/>
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is TEnum e ? KebabCase.Name(e) : base.ConvertTo(context, culture, value, destinationType);
}
