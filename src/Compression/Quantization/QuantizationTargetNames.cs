namespace EdgeToolkit.Compression.Quantization;

/// <summary>The names of <see cref="QuantizationTarget"/> used by the CLI and recipes: <c>host</c>, <c>x64</c>, <c>x64-vnni</c>, <c>arm64</c>, <c>arm64-dot</c>.</summary>
public static class QuantizationTargetNames
{
    private static readonly (string Name, QuantizationTarget Target)[] Names =
    [
        ("host", QuantizationTarget.Host), ("x64", QuantizationTarget.X64), ("x64-vnni", QuantizationTarget.X64Vnni),
        ("arm64", QuantizationTarget.Arm64), ("arm64-dot", QuantizationTarget.Arm64DotProduct),
    ];

    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Known { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The target named <paramref name="name"/>; <paramref name="setting"/> names the option in the error.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Known"/>.</exception>
    public static QuantizationTarget Parse(string name, string setting)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (n, t) in Names)
        {
            if (string.Equals(n, name.Trim(), StringComparison.OrdinalIgnoreCase)) return t;
        }
        throw new ArgumentException($"{setting}: '{name}' is not one of {string.Join(", ", Known)}", setting);
    }

    /// <summary>The name of <paramref name="target"/>.</summary>
    public static string Format(QuantizationTarget target) => Names.First(n => n.Target == target).Name;
}
