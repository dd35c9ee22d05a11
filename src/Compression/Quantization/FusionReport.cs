using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// What ONNX Runtime actually runs on integers: the quantized model is loaded at
/// <c>ORT_ENABLE_EXTENDED</c> (the level at which the QDQ groups are fused; <c>ALL</c> only adds
/// float layout changes) with the optimised graph written out, and every node of the prepared float
/// graph is classified as fused into an integer kernel, absorbed, or float, with the reason.
/// </summary>
public sealed class FusionReport
{
    private static readonly HashSet<string> IntegerOps =
        ["QLinearConv", "QGemm", "QLinearMatMul", "MatMulIntegerToFloat", "QLinearAdd", "QLinearMul", "QLinearConcat",
         "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "QLinearWhere",
         "ConvInteger", "MatMulInteger"];

    private static readonly HashSet<string> Ignored = ["QuantizeLinear", "DequantizeLinear", "ReorderInput", "ReorderOutput", "Shape", "Constant"];

    private FusionReport(IReadOnlyList<OpFusionCount> ops, IReadOnlyList<LayerFusion> layers, IReadOnlyList<FloatIsland> islands, ActivationTypeChoice choice)
    {
        Ops = ops;
        Layers = layers;
        Islands = islands;
        ActivationChoice = choice;
    }

    /// <summary>Per op type of the prepared float graph: total and running on integers.</summary>
    public IReadOnlyList<OpFusionCount> Ops { get; }

    /// <summary>Every node of the prepared float graph and how it runs.</summary>
    public IReadOnlyList<LayerFusion> Layers { get; }

    /// <summary>Connected groups of float nodes in the optimised graph.</summary>
    public IReadOnlyList<FloatIsland> Islands { get; }

    /// <summary>The activation type and target the report was made for.</summary>
    public ActivationTypeChoice ActivationChoice { get; }

    /// <summary>Nodes the quantizer placed for fusion that ONNX Runtime left float: a placement bug when not empty.</summary>
    public IReadOnlyList<LayerFusion> NotFused => Layers.Where(l => l.Float && l.Reason == NotFusedReason).ToList();

    /// <summary>Float islands not kept float by a setting.</summary>
    public int UnplannedIslands => Islands.Count(i => !i.OnPurpose);

    /// <summary>One line: "51 of 52 Conv, 35 of 35 Clip, 10 of 10 Add on integers; 0 float islands (1 on purpose: first-conv)".</summary>
    public string Summary
    {
        get
        {
            var main = Ops.Where(o => o.Total > 0).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Integer} of {o.Total} {o.OpType}"));
            var onPurpose = Islands.Where(i => i.OnPurpose).ToList();
            var others = Islands.Where(i => !i.OnPurpose).ToList();
            string islands = $"{others.Count} float island{(others.Count == 1 ? "" : "s")}" +
                (others.Count > 0 ? $" ({string.Join(", ", others.SelectMany(i => i.OpTypes).GroupBy(t => t).Select(g => $"{g.Count()} {g.Key}"))})" : "") +
                (onPurpose.Count > 0 ? $", {onPurpose.Count} on purpose ({string.Join("; ", onPurpose.Select(i => i.Reason).Distinct())})" : "");
            return $"{string.Join(", ", main)} on integers; {islands}";
        }
    }

    internal const string NotFusedReason = "placed for fusion but ONNX Runtime left it float";

    /// <summary>Loads <paramref name="quantized"/> in ONNX Runtime as <paramref name="choice"/>'s target would fuse it and classifies every node.</summary>
    internal static FusionReport Analyze(ModelProto quantized, QdqPlan plan, ActivationTypeChoice choice)
    {
        var optimized = Optimize(quantized, choice);
        var original = quantized.Graph.Node.Where(n => !Ignored.Contains(n.OpType)).ToList();
        var byName = original.ToDictionary(n => n.Name);
        var byOutput = new Dictionary<string, NodeProto>();
        foreach (var n in original)
            foreach (string o in n.Output) byOutput.TryAdd(o, n);

        // Tensors that hold integers in the optimised graph.
        var integerTensors = new HashSet<string>();
        var floatNodes = new List<NodeProto>();
        foreach (var node in optimized.Node)
        {
            if (node.OpType == "QuantizeLinear" || IntegerOps.Contains(node.OpType) && (node.OpType != "QGemm" || node.Input.Count >= 9))
            {
                integerTensors.UnionWith(node.Output);
                continue;
            }
            if (IntegerOps.Contains(node.OpType) || Ignored.Contains(node.OpType)) continue;
            if (QdqPlan.IsDataMovementOp(node.OpType) || node.OpType is "Gather" or "Resize" or "Split")
            {
                if (node.Input.Count > 0 && integerTensors.Contains(node.Input[0]))
                {
                    integerTensors.UnionWith(node.Output);
                    continue;
                }
            }
            floatNodes.Add(node);
        }

        var quantizedNodes = plan.QuantizedNodes.ToHashSet();
        var floatOriginal = new Dictionary<string, (NodeProto Optimized, string Reason, bool OnPurpose)>();
        var islandNodes = new List<(NodeProto Node, string OpType, string Reason, bool OnPurpose)>();
        foreach (var node in floatNodes)
        {
            var source = byName.GetValueOrDefault(node.Name) ?? node.Output.Select(o => byOutput.GetValueOrDefault(o)).FirstOrDefault(n => n is not null);
            string opType = source?.OpType ?? BaseOpType(node.OpType);
            string name = source?.Name ?? node.Name;
            (string reason, bool onPurpose) = plan.FloatReasons.TryGetValue(name, out string? r)
                ? (r, !r.StartsWith("unsupported", StringComparison.Ordinal))
                : quantizedNodes.Contains(name) ? (NotFusedReason, false)
                : QdqPlan.IsComputeOp(opType) || QdqPlan.IsDataMovementOp(opType) ? ("its input is float (follows a float node)", false)
                : ($"no int8 kernel in ONNX Runtime for {opType}", false);
            floatOriginal[name] = (node, reason, onPurpose);
            islandNodes.Add((node, opType, reason, onPurpose));
        }

        var absorbed = plan.FusedActivations.Values.ToList();
        var layers = new List<LayerFusion>();
        foreach (var n in original.Concat(absorbed).Where(n => !QdqPlan.IsWeightDequantization(n)))
        {
            if (floatOriginal.TryGetValue(n.Name, out var f))
                layers.Add(new LayerFusion(n.Name, n.OpType, $"{BaseOpType(f.Optimized.OpType)} (float)", true, f.Reason));
            else if (absorbed.Contains(n))
                layers.Add(new LayerFusion(n.Name, n.OpType, "absorbed into the producer's output quantization", false, null));
            else
            {
                var fused = optimized.Node.FirstOrDefault(o => o.Name == n.Name);
                layers.Add(new LayerFusion(n.Name, n.OpType, fused?.OpType ?? $"{n.OpType} (int8)", false, null));
            }
        }
        var ops = layers.GroupBy(l => l.OpType).Select(g => new OpFusionCount(g.Key, g.Count(), g.Count(l => !l.Float)))
            .OrderByDescending(o => o.Total).ThenBy(o => o.OpType, StringComparer.Ordinal).ToList();
        return new FusionReport(ops, layers, FindIslands(islandNodes), choice);
    }

    private static List<FloatIsland> FindIslands(List<(NodeProto Node, string OpType, string Reason, bool OnPurpose)> nodes)
    {
        // Union-find over float nodes joined by a tensor one produces and another reads.
        var parent = Enumerable.Range(0, nodes.Count).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        var producer = new Dictionary<string, int>();
        for (int i = 0; i < nodes.Count; i++)
            foreach (string o in nodes[i].Node.Output) producer[o] = i;
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (string input in nodes[i].Node.Input)
            {
                if (producer.TryGetValue(input, out int p)) parent[Find(i)] = Find(p);
            }
        }
        return Enumerable.Range(0, nodes.Count).GroupBy(Find).Select(g =>
        {
            var members = g.Select(i => nodes[i]).ToList();
            return new FloatIsland(members.Select(m => m.Node.Name).ToList(), members.Select(m => m.OpType).ToList(),
                string.Join("; ", members.Select(m => m.Reason).Distinct()), members.All(m => m.OnPurpose));
        }).ToList();
    }

    private static string BaseOpType(string opType) => opType switch
    {
        "FusedConv" => "Conv",
        "FusedGemm" => "Gemm",
        "FusedMatMul" => "MatMul",
        _ => opType,
    };

    private static GraphProto Optimize(ModelProto model, ActivationTypeChoice choice)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgekit-fusion-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
            {
                options.AddSessionConfigEntry(ActivationTypeChoice.QdqIsInt8AllowedKey, choice.FusesInt8Activations ? "1" : "0");
                try
                {
                    using var session = new InferenceSession(model.ToByteArray(), options);
                }
                catch (OnnxRuntimeException e)
                {
                    throw new QuantizationException($"ONNX Runtime cannot load the quantized model: {e.Message}", e);
                }
            }
            return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
