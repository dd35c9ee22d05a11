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
    /// <paramref name="layers"/> without <see cref="FloatLayers.Auto"/>, which today adds no layer on any target. On x86-64
    /// without VNNI it added the first conv until that target's weights became 7-bit (<see cref="WeightRange.ReducedFor"/>): with 7-bit weights the stem's 16-bit
    /// pair sums cannot saturate, and quantizing it was as accurate and faster there. Measured on the AVX2-only AMD EPYC
    /// (Zen 1, sessions 15-16): torchvision MobileNetV2 0.5 trained in PyTorch on the embedded Fashion-MNIST subset,
    /// 1,000 test images through the device path, fp32 -> int8 with a float / a quantized stem: seed 1 69.40 -> 69.90 /
    /// 69.90 %, seed 2 72.20 -> 72.40 / 72.30 %, seed 3 76.20 -> 75.90 / 76.80 %; zoo at 224x224, int8/fp32 latency
    /// 1.02-1.49 with a float stem, 0.92-1.34 quantized (docs/quantization.md, "Defaults and why").
    /// </summary>
    public static FloatLayers Resolve(FloatLayers layers) => layers & ~FloatLayers.Auto;

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
