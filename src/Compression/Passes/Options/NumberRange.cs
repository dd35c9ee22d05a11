using System.Globalization;

namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>The range check of the number settings, in the words both routes use.</summary>
internal static class NumberRange
{
    /// <summary>"setting must be in [min, max] but is v", or null when <paramref name="value"/> is inside.</summary>
    public static string? Problem(double value, double min, double max, string setting) =>
        !double.IsFinite(value) || value < min || value > max
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} must be in [{min}, {max}] but is {value}")
            : null;
}
