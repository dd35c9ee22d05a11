namespace EdgeToolkit.Compression.Quantization;

/// <summary>The names of <see cref="FloatLayers"/> used by the CLI and recipes: <c>auto</c>, <c>first-conv</c>, <c>classifier</c>, <c>none</c>.</summary>
public static class FloatLayerNames
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Known { get; } = ["auto", "first-conv", "classifier", "none"];

    /// <summary>Combines <paramref name="names"/> into flags; <c>none</c> alone means no layer.</summary>
    /// <exception cref="ArgumentException">A name is not one of <see cref="Known"/>, or <c>none</c> is combined with another.</exception>
    public static FloatLayers Parse(IEnumerable<string> names, string setting)
    {
        ArgumentNullException.ThrowIfNull(names);
        var layers = FloatLayers.None;
        bool none = false;
        int count = 0;
        foreach (string raw in names)
        {
            count++;
            layers |= raw.Trim().ToLowerInvariant() switch
            {
                "auto" => FloatLayers.Auto,
                "first-conv" => FloatLayers.FirstConv,
                "classifier" => FloatLayers.Classifier,
                "none" => None(ref none),
                _ => throw new ArgumentException($"{setting}: '{raw}' is not one of {string.Join(", ", Known)}", setting),
            };
        }
        if (none && count > 1) throw new ArgumentException($"{setting}: 'none' cannot be combined with other layers", setting);
        return layers;

        static FloatLayers None(ref bool seen)
        {
            seen = true;
            return FloatLayers.None;
        }
    }

    /// <summary>
    /// <paramref name="layers"/> for <paramref name="target"/> (resolved, never <see cref="QuantizationTarget.Host"/>):
    /// <see cref="FloatLayers.Auto"/> becomes <see cref="FloatLayers.FirstConv"/> on x86-64 without VNNI and nothing elsewhere.
    /// </summary>
    public static FloatLayers Resolve(FloatLayers layers, QuantizationTarget target)
    {
        if (!layers.HasFlag(FloatLayers.Auto)) return layers;
        var rest = layers & ~FloatLayers.Auto;
        return target == QuantizationTarget.X64 ? rest | FloatLayers.FirstConv : rest;
    }

    /// <summary>The names of <paramref name="layers"/>, comma separated (<c>none</c> when empty).</summary>
    public static string Format(FloatLayers layers)
    {
        var names = new List<string>();
        if (layers.HasFlag(FloatLayers.Auto)) names.Add("auto");
        if (layers.HasFlag(FloatLayers.FirstConv)) names.Add("first-conv");
        if (layers.HasFlag(FloatLayers.Classifier)) names.Add("classifier");
        return names.Count == 0 ? "none" : string.Join(",", names);
    }
}
