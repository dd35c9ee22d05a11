using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Durations as people write them on a command line or in a recipe: <c>30m</c>, <c>90s</c>,
/// <c>1h</c>, <c>1h30m</c>, <c>2.5m</c>, or <c>hh:mm:ss</c>.
/// </summary>
public static partial class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a positive duration in one of the forms above.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string t = text.Trim();
        if (t.Contains(':', StringComparison.Ordinal))
            return TimeSpan.TryParseExact(t, [@"h\:mm\:ss", @"hh\:mm\:ss", @"m\:ss", @"mm\:ss"], CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;
        var match = Units().Match(t);
        if (!match.Success) return false;
        double seconds = 0;
        foreach (var (group, scale) in new[] { ("h", 3600.0), ("m", 60.0), ("s", 1.0) })
            if (match.Groups[group].Success)
                seconds += double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) * scale;
        if (!(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="ArgumentException"/> naming <paramref name="setting"/>.</summary>
    public static TimeSpan Parse(string? text, string setting)
    {
        if (TryParse(text, out var value)) return value;
        throw new ArgumentException($"{setting} must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but was '{text}'.");
    }

    [GeneratedRegex(@"^(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m)?(?:(?<s>\d+(?:\.\d+)?)s)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Units();
}
