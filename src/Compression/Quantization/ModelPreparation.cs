using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Brings a float model, ours or a foreign one (torch.onnx, tf2onnx), into the shape the QDQ rewrite
/// expects: default-domain opset at least 13 (per-channel DequantizeLinear needs <c>axis</c>);
/// <c>Constant</c> nodes turned into initializers, <c>Identity</c> nodes removed, constant
/// sub-graphs folded and shapes inferred (by ONNX Runtime's basic, CPU-independent graph
/// optimisations, written out); BatchNormalization folded into the preceding Conv; nodes in
/// topological order. The float function is unchanged (tested by running both graphs).
/// </summary>
internal static class ModelPreparation
{
    public const int MinimumOpset = 13;

    // Ops whose meaning (for the attributes and inputs a CNN classifier uses) is unchanged from
    // opset 7 up to 13, so raising the opset number is safe. Softmax and Clip get special care.
    private static readonly HashSet<string> UpgradeSafeOps =
    [
        "Conv", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Concat",
        "GlobalAveragePool", "GlobalMaxPool", "AveragePool", "MaxPool", "Flatten", "Reshape",
        "Gemm", "MatMul", "BatchNormalization", "Identity", "Transpose", "Constant", "Shape",
        "Gather", "Softmax", "Clip", "HardSigmoid",
    ];

    public static GraphPreparation Prepare(ModelProto model)
    {
        if (model.Graph is null) throw new QuantizationException("the model has no graph");
        var before = OpCounts(model.Graph);
        long opsetBefore = DefaultOpset(model);
        UpgradeOpset(model);
        NameUnnamedNodes(model.Graph);
        CheckTopologicalOrder(model.Graph);
        Simplify(model);
        NameUnnamedNodes(model.Graph);
        CheckTopologicalOrder(model.Graph);
        FoldBatchNormalization(model.Graph);
        int rewritten = RewriteForIntegerKernels(model.Graph);
        var after = OpCounts(model.Graph);
        int Removed(string op) => before.GetValueOrDefault(op) - after.GetValueOrDefault(op);
        return new GraphPreparation(
            opsetBefore, DefaultOpset(model), Removed("Identity"), Removed("Constant"), Removed("BatchNormalization"),
            before.Values.Sum(), after.Values.Sum(), model.Graph.ValueInfo.Count) { RewrittenForIntegerKernels = rewritten };
    }

    /// <summary>
    /// Same maths in ops ONNX Runtime runs on integers: <c>Flatten(axis=1)</c> becomes
    /// <c>Reshape(0, -1)</c> (Reshape drops its Q/DQ, Flatten does not), and a spatial
    /// <c>ReduceMean</c> over axes 2,3 of a 4-D tensor (ShuffleNet's head) becomes
    /// <c>GlobalAveragePool</c> (QLinearGlobalAveragePool), followed by that Reshape when
    /// keepdims is 0. Returns the number of nodes rewritten.
    /// </summary>
    private static int RewriteForIntegerKernels(GraphProto graph)
    {
        var info = graph.ValueInfo.Concat(graph.Input).Where(v => v.Type?.TensorType?.Shape is not null)
            .GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First());
        var rank = info.ToDictionary(v => v.Key, v => v.Value.Type.TensorType.Shape.Dim.Count);
        var names = graph.Node.SelectMany(n => n.Output.Append(n.Name)).Concat(graph.Initializer.Select(i => i.Name)).ToHashSet();
        string Unique(string name)
        {
            string candidate = name;
            for (int i = 1; !names.Add(candidate); i++) candidate = $"{name}_{i}";
            return candidate;
        }
        string FlattenShape()
        {
            string name = Unique("edgekit_flatten_shape");
            graph.Initializer.Add(OnnxTensors.Create<long>(name, OnnxTensors.Int64Type, [0L, -1L], 2));
            return name;
        }
        int count = 0;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Domain is not ("" or "ai.onnx") || node.Input.Count == 0) continue;
            if (node.OpType == "Flatten" && OnnxTensors.IntAttribute(node, "axis", 1) == 1)
            {
                node.OpType = "Reshape";
                node.Attribute.Clear();
                node.Input.Add(FlattenShape());
                count++;
            }
            else if (node.OpType == "ReduceMean" && node.Input.Count == 1 && rank.GetValueOrDefault(node.Input[0]) == 4
                && OnnxTensors.Attribute(node, "axes") is { } axes && axes.Ints.Select(a => a < 0 ? a + 4 : a).Order().SequenceEqual([2L, 3L]))
            {
                bool keep = OnnxTensors.IntAttribute(node, "keepdims", 1) == 1;
                node.OpType = "GlobalAveragePool";
                node.Attribute.Clear();
                if (!keep)
                {
                    string pooled = Unique(node.Output[0] + "_pooled");
                    var reshape = OnnxTensors.Node("Reshape", Unique(node.Name + "_reshape"), [pooled, FlattenShape()], [node.Output[0]]);
                    node.Output[0] = pooled;
                    graph.Node.Insert(i + 1, reshape);
                }
                count++;
            }
            else if (node.OpType == "HardSigmoid" && node.Input.Count == 1 && info.TryGetValue(node.Input[0], out var x)
                && x.Type.TensorType.Shape.Dim is { Count: 4 } dims && dims[1].DimValue > 0 && dims[2].DimValue * dims[3].DimValue > 1)
            {
                // HardSigmoid(x) = Clip(alpha * x + beta, 0, 1): a depthwise 1x1 Conv and a Clip with min 0, which the
                // quantizer absorbs into the Conv's output range, so the whole op runs as one QLinearConv on integers
                // instead of DequantizeLinear -> float HardSigmoid -> QuantizeLinear (MobileNetV3's HardSwish: int8
                // latency x0.84 on MobileNetV3-Large). Not on 1x1 maps (squeeze-excite): there ONNX Runtime's grouped
                // QLinearConv loops over the channels one by one and is slower than the float island.
                int channels = (int)dims[1].DimValue;
                float alpha = OnnxTensors.FloatAttribute(node, "alpha", 0.2f), beta = OnnxTensors.FloatAttribute(node, "beta", 0.5f);
                string weight = Unique(node.Name + "_alpha"), bias = Unique(node.Name + "_beta"), low = Unique(node.Name + "_min"), high = Unique(node.Name + "_max");
                graph.Initializer.Add(OnnxTensors.Create<float>(weight, OnnxTensors.FloatType, Enumerable.Repeat(alpha, channels).ToArray(), channels, 1, 1, 1));
                graph.Initializer.Add(OnnxTensors.Create<float>(bias, OnnxTensors.FloatType, Enumerable.Repeat(beta, channels).ToArray(), channels));
                graph.Initializer.Add(OnnxTensors.Create<float>(low, OnnxTensors.FloatType, [0f]));
                graph.Initializer.Add(OnnxTensors.Create<float>(high, OnnxTensors.FloatType, [1f]));
                string linear = Unique(node.Output[0] + "_linear");
                var clip = OnnxTensors.Node("Clip", Unique(node.Name + "_clip"), [linear, low, high], [node.Output[0]]);
                node.OpType = "Conv";
                node.Attribute.Clear();
                node.Attribute.Add(OnnxTensors.IntAttr("group", channels));
                node.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1L, 1L } });
                node.Input.Add(weight);
                node.Input.Add(bias);
                node.Output[0] = linear;
                graph.Node.Insert(i + 1, clip);
                var linearInfo = x.Clone();
                linearInfo.Name = linear;
                graph.ValueInfo.Add(linearInfo);
                count++;
            }
        }
        return count;
    }

    private static long DefaultOpset(ModelProto model) => model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;

    private static Dictionary<string, int> OpCounts(GraphProto graph) =>
        graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// ONNX Runtime's basic graph optimisations, saved: they turn Constant nodes into initializers,
    /// eliminate Identity (and Dropout, no-op Slice/Unsqueeze...), fold every node whose inputs are
    /// constant, fuse Conv+BatchNormalization/Add/Mul, and write the inferred shape of every tensor as
    /// value_info. They run before execution providers are chosen and use only ONNX-domain ops, so the
    /// result is the same on every CPU (unlike the extended/all levels, which are CPU specific).
    /// </summary>
    private static void Simplify(ModelProto model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgekit-prepare-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
            {
                try
                {
                    using var session = new InferenceSession(model.ToByteArray(), options);
                }
                catch (OnnxRuntimeException e)
                {
                    throw new QuantizationException($"ONNX Runtime cannot load the float model: {e.Message}", e);
                }
            }
            var simplified = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            model.Graph = simplified.Graph;
            model.OpsetImport.Clear();
            model.OpsetImport.AddRange(simplified.OpsetImport.Where(o => o.Domain is "" or "ai.onnx" || model.Graph.Node.Any(n => n.Domain == o.Domain)));
        }
        finally
        {
            File.Delete(path);
        }
        InferShapes(model);
    }

    /// <summary>
    /// Type and shape of every tensor, as ONNX Runtime computes them: one run on a zero input (a
    /// dynamic batch dimension taken as 1) with every node output exposed, recorded as value_info.
    /// Skipped for models whose input has other dynamic dimensions.
    /// </summary>
    private static void InferShapes(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || inputs[0].Type?.TensorType is not { ElemType: OnnxTensors.FloatType } tensorType || tensorType.Shape is null) return;
        var dims = tensorType.Shape.Dim.Select((d, i) => d.DimValue > 0 ? d.DimValue : i == 0 ? 1 : -1).ToArray();
        if (dims.Any(d => d < 0)) return;
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var names = graph.Node.SelectMany(n => n.Output).Where(o => o != "" && !outputs.Contains(o)).Distinct().ToList();
        if (names.Count == 0) return; // every node output is a graph output: nothing to record
        var probe = model.Clone();
        foreach (string name in names) probe.Graph.Output.Add(new ValueInfoProto { Name = name });
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        var shapes = RunShapes(session, inputs[0].Name, dims, names);
        // A dynamic batch dimension: a second run at batch 2 shows which dimensions follow it; they stay symbolic.
        bool dynamicBatch = tensorType.Shape.Dim.Count > 0 && tensorType.Shape.Dim[0].DimValue <= 0;
        string batchName = dynamicBatch && tensorType.Shape.Dim[0].DimParam is { Length: > 0 } p ? p : "batch";
        var batchShapes = dynamicBatch ? RunShapes(session, inputs[0].Name, [2, .. dims[1..]], names) : shapes;
        graph.ValueInfo.Clear();
        for (int i = 0; i < names.Count; i++)
        {
            var (type, one) = shapes[i];
            long[] two = batchShapes[i].Shape;
            var shape = new TensorShapeProto();
            shape.Dim.AddRange(one.Select((d, k) => two.Length != one.Length || two[k] == d
                ? new TensorShapeProto.Types.Dimension { DimValue = d }
                // Only a dimension that is the batch in both runs (1, then 2) gets its name; one that grows otherwise
                // (a test-time-flip graph's Concat of the images and their mirrors: 2, then 4) stays unnamed. ONNX Runtime
                // takes equal names for equal sizes and reuses buffers on that word: the flip graph's doubled batch named
                // "batch" made it write 16 images into the input's 8-image buffer (fails without graph optimisation).
                : d == 1 && two[k] == 2
                    ? new TensorShapeProto.Types.Dimension { DimParam = batchName }
                    : new TensorShapeProto.Types.Dimension()));
            graph.ValueInfo.Add(new ValueInfoProto
            {
                Name = names[i],
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } },
            });
        }
    }

    private static List<(int Type, long[] Shape)> RunShapes(InferenceSession session, string inputName, long[] dims, List<string> names)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(new float[dims.Aggregate(1L, (a, b) => a * b)], dims);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [input], names);
        return results.Select(r => r.GetTensorTypeAndShape()).Select(info => ((int)info.ElementDataType, info.Shape)).ToList();
    }

    private static void UpgradeOpset(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null)
        {
            opset = new OperatorSetIdProto { Domain = "", Version = MinimumOpset };
            model.OpsetImport.Add(opset);
        }
        if (opset.Version < MinimumOpset)
        {
            if (opset.Version < 7)
                throw new QuantizationException($"the model uses opset {opset.Version}; opset 7 or later is needed (re-export with opset 13 or later)");
            foreach (var node in model.Graph.Node.Where(n => n.Domain is "" or "ai.onnx"))
            {
                if (!UpgradeSafeOps.Contains(node.OpType))
                    throw new QuantizationException($"node '{node.Name}' ({node.OpType}): cannot raise opset {opset.Version} to {MinimumOpset} safely for this op; re-export the model with opset {MinimumOpset} or later");
                if (node.OpType == "Softmax" && OnnxTensors.Attribute(node, "axis") is null)
                    throw new QuantizationException($"node '{node.Name}' (Softmax): without an explicit axis its meaning changes at opset 13; re-export the model with opset {MinimumOpset} or later");
                if (node.OpType == "Clip" && opset.Version < 11)
                    ConvertClipAttributesToInputs(model.Graph, node);
            }
            opset.Version = MinimumOpset;
        }
        if (model.IrVersion < 7) model.IrVersion = 7;
    }

    private static void NameUnnamedNodes(GraphProto graph)
    {
        var names = new HashSet<string>(graph.Node.Select(n => n.Name));
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!string.IsNullOrEmpty(node.Name)) continue;
            string name = $"{node.OpType}_{i}";
            while (!names.Add(name)) name += "_";
            node.Name = name;
        }
    }

    private static void ConvertClipAttributesToInputs(GraphProto graph, NodeProto node)
    {
        float min = OnnxTensors.FloatAttribute(node, "min", float.MinValue);
        float max = OnnxTensors.FloatAttribute(node, "max", float.MaxValue);
        string minName = node.Name + "_min", maxName = node.Name + "_max";
        graph.Initializer.Add(OnnxTensors.Create<float>(minName, OnnxTensors.FloatType, [min]));
        graph.Initializer.Add(OnnxTensors.Create<float>(maxName, OnnxTensors.FloatType, [max]));
        node.Attribute.Clear();
        node.Input.Add(minName);
        node.Input.Add(maxName);
    }

    private static void CheckTopologicalOrder(GraphProto graph)
    {
        var available = new HashSet<string>(graph.Input.Select(i => i.Name)) { "" };
        available.UnionWith(graph.Initializer.Select(i => i.Name));
        foreach (var node in graph.Node)
        {
            foreach (string input in node.Input)
            {
                if (!available.Contains(input))
                    throw new QuantizationException($"node '{node.Name}' ({node.OpType}): input '{input}' is not produced by an earlier node, a graph input or an initializer (nodes must be topologically sorted)");
            }
            available.UnionWith(node.Output);
        }
    }

    /// <summary>Conv -> BatchNormalization (inference form, constant parameters) becomes one Conv.</summary>
    private static void FoldBatchNormalization(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var consumers = new Dictionary<string, int>();
        foreach (var node in graph.Node)
            foreach (string input in node.Input) consumers[input] = consumers.GetValueOrDefault(input) + 1;
        var producers = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
            foreach (string output in node.Output) producers[output] = node;

        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            if (bn.Output.Count != 1 || bn.Input.Count != 5) continue;
            if (!producers.TryGetValue(bn.Input[0], out var conv) || conv.OpType != "Conv") continue;
            if (consumers.GetValueOrDefault(bn.Input[0]) != 1 || graphOutputs.Contains(bn.Input[0])) continue;
            if (!initializers.TryGetValue(conv.Input[1], out var weight) || consumers.GetValueOrDefault(conv.Input[1]) != 1) continue;
            if (bn.Input.Skip(1).Any(n => !initializers.ContainsKey(n))) continue;
            if (conv.Input.Count > 2 && conv.Input[2] != "" && (!initializers.ContainsKey(conv.Input[2]) || consumers.GetValueOrDefault(conv.Input[2]) != 1)) continue;

            float[] w = OnnxTensors.ReadFloats(weight);
            float[] gamma = OnnxTensors.ReadFloats(initializers[bn.Input[1]]);
            float[] beta = OnnxTensors.ReadFloats(initializers[bn.Input[2]]);
            float[] mean = OnnxTensors.ReadFloats(initializers[bn.Input[3]]);
            float[] variance = OnnxTensors.ReadFloats(initializers[bn.Input[4]]);
            float epsilon = OnnxTensors.FloatAttribute(bn, "epsilon", 1e-5f);
            int channels = (int)weight.Dims[0];
            if (gamma.Length != channels || beta.Length != channels || mean.Length != channels || variance.Length != channels) continue;
            float[] bias = conv.Input.Count > 2 && conv.Input[2] != "" ? OnnxTensors.ReadFloats(initializers[conv.Input[2]]) : new float[channels];
            int perChannel = w.Length / channels;
            var newBias = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                double factor = gamma[c] / Math.Sqrt(variance[c] + epsilon);
                for (int k = 0; k < perChannel; k++) w[c * perChannel + k] = (float)(w[c * perChannel + k] * factor);
                newBias[c] = (float)((bias[c] - mean[c]) * factor + beta[c]);
            }
            var newWeight = OnnxTensors.Create<float>(weight.Name, OnnxTensors.FloatType, w, weight.Dims.ToArray());
            ReplaceInitializer(graph, initializers, newWeight);
            string biasName = conv.Input.Count > 2 && conv.Input[2] != "" ? conv.Input[2] : conv.Name + "_bias";
            ReplaceInitializer(graph, initializers, OnnxTensors.Create<float>(biasName, OnnxTensors.FloatType, newBias, channels));
            if (conv.Input.Count > 2) conv.Input[2] = biasName;
            else conv.Input.Add(biasName);
            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
        }
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var t in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) graph.Initializer.Remove(t);
        foreach (var i in graph.Input.Where(i => initializers.ContainsKey(i.Name) && !used.Contains(i.Name)).ToList()) graph.Input.Remove(i);
    }

    private static void ReplaceInitializer(GraphProto graph, Dictionary<string, TensorProto> initializers, TensorProto tensor)
    {
        if (initializers.TryGetValue(tensor.Name, out var old)) graph.Initializer.Remove(old);
        graph.Initializer.Add(tensor);
        initializers[tensor.Name] = tensor;
    }
}
