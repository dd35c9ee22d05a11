using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Writes <c>quantization-report.json</c> beside a quantized model: the fusion summary (what ONNX
/// Runtime runs on integers, float islands and why, the activation type and why) and one entry per
/// layer (<c>name</c>, <c>op</c>, <c>sqnrDb</c>, <c>isolatedSqnrDb</c>, <c>outputSqnrDb</c>, <c>float</c>) that the HTML report draws;
/// the bias correction and the accuracy fallback when they ran.
/// </summary>
public static class QuantizationReportWriter
{
    /// <summary>File name inside the bundle folder.</summary>
    public const string FileName = "quantization-report.json";

    /// <summary>The report as JSON.</summary>
    public static JsonObject ToJson(QuantizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var fusion = result.Fusion;
        var choice = result.ActivationChoice;
        var report = new JsonObject
        {
            ["fusion"] = fusion is null ? null : new JsonObject
            {
                ["summary"] = fusion.Summary,
                ["target"] = choice is null ? null : KebabCase.Name(choice.Target),
                ["activationType"] = choice is null ? null : ActivationTypeChoice.Name(choice.ActivationType),
                ["activationReason"] = choice?.Reason,
                ["ops"] = new JsonArray(fusion.Ops.Select(o => (JsonNode)new JsonObject { ["op"] = o.OpType, ["total"] = o.Total, ["integer"] = o.Integer }).ToArray()),
                ["floatIslands"] = new JsonArray(fusion.Islands.Select(i => (JsonNode)new JsonObject
                {
                    ["nodes"] = new JsonArray(i.Nodes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                    ["ops"] = new JsonArray(i.OpTypes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                    ["reason"] = i.Reason,
                    ["onPurpose"] = i.OnPurpose,
                }).ToArray()),
            },
            ["calibration"] = result.Calibration is not { } c ? null : new JsonObject
            {
                ["chosen"] = KebabCase.Name(c.Chosen),
                ["layer"] = c.LastLayer,
                ["sqnrDb"] = new JsonObject(c.Db.Select(d => KeyValuePair.Create(KebabCase.Name(d.Key), (JsonNode?)Math.Round(d.Value, 2)))),
            },
            ["preparation"] = result.Preparation?.ToString(),
            ["biasCorrectedLayers"] = result.BiasCorrectedLayers,
            ["accuracyFallback"] = result.AccuracyFallback is not { } a ? null : new JsonObject
            {
                ["maxDropPoints"] = a.MaxDropPoints,
                ["images"] = a.Images,
                ["fp32Top1"] = a.Fp32Top1,
                ["firstInt8Top1"] = a.FirstInt8Top1,
                ["int8Top1"] = a.Int8Top1,
                ["dropPoints"] = Math.Round(a.DropPoints, 4),
                ["floatLayers"] = new JsonArray(a.FloatLayers.Select((n, i) => (JsonNode)new JsonObject { ["name"] = n, ["outputSqnrDb"] = Math.Round(a.FloatLayerSqnrDb[i], 2) }).ToArray()),
            },
            ["latency"] = result.Latency is not { } l ? null : new JsonObject
            {
                ["fp32P50Ms"] = Math.Round(l.Fp32P50Ms, 4),
                ["int8P50Ms"] = Math.Round(l.Int8P50Ms, 4),
                ["ratio"] = Math.Round(l.Ratio, 3),
                ["int8NotFaster"] = l.Int8NotFaster,
                ["threads"] = l.Threads,
                ["host"] = KebabCase.Name(l.Host),
                ["summary"] = l.ToString(),
            },
            ["layers"] = new JsonArray((fusion?.Layers ?? []).Select(l => (JsonNode)new JsonObject
            {
                ["name"] = l.Name,
                ["op"] = l.OpType,
                ["sqnrDb"] = Db(result.LayerSqnr, l.Name, s => s.Db),
                ["isolatedSqnrDb"] = Db(result.LayerSqnr, l.Name, s => s.IsolatedDb),
                ["outputSqnrDb"] = Db(result.LayerSqnr, l.Name, s => s.OutputDb ?? double.NaN),
                ["float"] = l.Float,
                ["runsAs"] = l.RunsAs,
                ["reason"] = l.Reason,
            }).ToArray()),
        };
        return report;
    }

    private static JsonNode? Db(IReadOnlyDictionary<string, LayerSqnr>? sqnr, string layer, Func<LayerSqnr, double> select) =>
        sqnr is not null && sqnr.TryGetValue(layer, out var s) && double.IsFinite(select(s)) ? Math.Round(select(s), 2) : null;

    /// <summary>Writes the report into <paramref name="folder"/> through a temporary file and a rename.</summary>
    public static string Write(string folder, QuantizationResult result)
    {
        string path = Path.Combine(folder, FileName);
        string temp = path + ".tmp";
        File.WriteAllText(temp, ToJson(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
