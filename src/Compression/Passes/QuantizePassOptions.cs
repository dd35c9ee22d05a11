using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="QuantizePass"/>: the quantizer settings.</summary>
/// <param name="Quantization">Settings handed to <see cref="QdqQuantizer"/>.</param>
public sealed record QuantizePassOptions(QuantizationOptions Quantization)
{
    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static QuantizePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = QuantizationOptions.Default;
        string method = r.String("method", d.Method.ToString().ToLowerInvariant(), ["minmax", "percentile", "entropy"])!;
        var o = d with
        {
            CalibrationCount = r.Int("calibrationImages", d.CalibrationCount, 1, 1_000_000),
            Method = method switch
            {
                "percentile" => CalibrationMethod.Percentile,
                "entropy" => CalibrationMethod.Entropy,
                _ => CalibrationMethod.MinMax,
            },
            Percentile = r.Double("percentile", d.Percentile, 50, 100),
            ActivationType = r.String("activations", "auto", ["auto", "int8", "uint8"]) switch
            {
                "uint8" => QuantizedActivationType.UInt8,
                "int8" => QuantizedActivationType.Int8,
                _ => QuantizedActivationType.Auto,
            },
            ExcludedNodes = r.StringList("exclude") ?? [],
            EqualizeLayers = r.Bool("equalize", d.EqualizeLayers),
            ReduceWeightRange = r.Bool("reduceRange", d.ReduceWeightRange),
        };
        var floatLayers = r.StringList("floatLayers");
        string target = r.String("target", QuantizationTargetNames.Format(d.Target), QuantizationTargetNames.Known.ToArray())!;
        r.RejectUnknown("the quantize pass");
        try
        {
            if (floatLayers is not null) o = o with { FloatLayers = FloatLayerNames.Parse(floatLayers, "floatLayers") };
            o = o with { Target = QuantizationTargetNames.Parse(target, "target") };
            return new QuantizePassOptions(o.Validate());
        }
        catch (ArgumentException e)
        {
            throw new RecipeException($"{r.File}: {r.Path}: {e.Message}", e);
        }
    }
}
