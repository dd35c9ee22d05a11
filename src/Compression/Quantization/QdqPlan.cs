using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Decides, before calibration, which nodes are quantized and where Q/DQ pairs go, following the
/// placement ONNX Runtime fuses: Q/DQ on the inputs and outputs of compute ops (Conv, Gemm, MatMul,
/// Add, Mul, Concat, average pools); a Relu/Clip that alone consumes a compute op's output is
/// absorbed by the output's quantization (asymmetric activations) so no Q/DQ sits between Conv and
/// Relu; data-movement ops reuse their input's scale and zero point.
/// </summary>
internal sealed class QdqPlan
{
    private static readonly HashSet<string> DataMovementOps =
    [
        "MaxPool", "GlobalMaxPool", "Flatten", "Reshape", "Slice", "Pad", "Transpose", "Squeeze",
        "Unsqueeze", "Identity", "DepthToSpace", "SpaceToDepth",
    ];

    private static readonly HashSet<string> NonFloatProducers = ["Shape", "Size", "NonZero", "ArgMax", "ArgMin"];

    /// <summary>Compute nodes with a constant weight (Conv, Gemm, MatMul) and the weight's channel axis.</summary>
    public Dictionary<NodeProto, int> WeightedNodes { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>All nodes that run quantized, by name.</summary>
    public List<string> QuantizedNodes { get; } = [];

    /// <summary>Compute-type nodes left in float (excluded or unsupported form), by name.</summary>
    public List<string> FloatNodes { get; } = [];

    /// <summary>Why each node of <see cref="FloatNodes"/> stays float.</summary>
    public Dictionary<string, string> FloatReasons { get; } = [];

    /// <summary>Producer node -> the Relu/Clip it absorbs (removed in the rewrite).</summary>
    public Dictionary<NodeProto, NodeProto> FusedActivations { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Tensors that get a Q/DQ pair, in decision order.</summary>
    public List<string> QuantizedTensors { get; } = [];

    /// <summary>Tensor -> the tensor whose scale and zero point it reuses (data-movement outputs).</summary>
    public Dictionary<string, string> SharedParameters { get; } = [];

    /// <summary>
    /// Concat input -> the Concat's output, for inputs the Concat alone reads: they take the output's scale and zero
    /// point when that keeps the producer's absorbed activation exact (<see cref="QdqRewriter"/> decides after
    /// calibration), so ONNX Runtime's QLinearConcat copies them instead of requantizing through a lookup table.
    /// </summary>
    public Dictionary<string, string> ConcatShared { get; } = [];

    /// <summary>Tensors whose range must be calibrated.</summary>
    public IReadOnlyCollection<string> CalibratedTensors => QuantizedTensors.Where(t => !SharedParameters.ContainsKey(t)).ToList();

    /// <summary>Plans <paramref name="graph"/>; <paramref name="keptFloat"/> names more nodes kept float, with the reason (the accuracy fallback).</summary>
    public static QdqPlan Create(GraphProto graph, QuantizationOptions options, IReadOnlyDictionary<string, string>? keptFloat = null)
    {
        var plan = new QdqPlan();
        var names = graph.Node.Select(n => n.Name).ToHashSet();
        foreach (string excluded in options.ExcludedNodes)
        {
            if (!names.Contains(excluded))
                throw new QuantizationException($"ExcludedNodes: no node named '{excluded}' in the graph; compute nodes are: {string.Join(", ", graph.Node.Where(n => IsComputeOp(n.OpType)).Select(n => n.Name).Take(20))}");
        }
        var excludedSet = options.ExcludedNodes.ToHashSet();
        foreach (string name in excludedSet) plan.FloatReasons[name] = "excluded by name";
        if (options.FloatLayers.HasFlag(FloatLayers.FirstConv) && graph.Node.FirstOrDefault(n => n.OpType == "Conv") is { } stem && excludedSet.Add(stem.Name))
            plan.FloatReasons[stem.Name] = "float layers: first-conv";
        if (options.FloatLayers.HasFlag(FloatLayers.Classifier) && graph.Node.LastOrDefault(n => n.OpType is "Gemm" or "MatMul") is { } classifier && excludedSet.Add(classifier.Name))
            plan.FloatReasons[classifier.Name] = "float layers: classifier";
        foreach (var (name, reason) in keptFloat ?? new Dictionary<string, string>())
        {
            if (excludedSet.Add(name)) plan.FloatReasons[name] = reason;
        }
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
            foreach (string input in node.Input) (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
        var nonFloat = FindNonFloatTensors(graph);
        var constants = initializers.Keys.ToHashSet();
        constants.UnionWith(graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output));
        var requested = new HashSet<string>();

        bool IsActivation(string t) => t != "" && !nonFloat.Contains(t) && !constants.Contains(t);
        bool KeepsFloat(string t) => graphOutputs.Contains(t) && !options.QuantizeOutputs;
        void Request(string t)
        {
            if (requested.Add(t)) plan.QuantizedTensors.Add(t);
        }
        void RequestOutput(NodeProto node)
        {
            string output = node.Output[0];
            if (nonFloat.Contains(output)) return;
            if (consumers.TryGetValue(output, out var users) && users.Count == 1 && !graphOutputs.Contains(output)
                && IsAbsorbableActivation(users[0], initializers) && !excludedSet.Contains(users[0].Name))
            {
                var activation = users[0];
                string activated = activation.Output[0];
                if (!options.SymmetricActivations && !KeepsFloat(activated))
                {
                    plan.FusedActivations[node] = activation;
                    Request(activated);
                    return;
                }
                if (options.SymmetricActivations)
                {
                    Request(output);
                    if (!KeepsFloat(activated)) Request(activated);
                    return;
                }
            }
            if (!KeepsFloat(output)) Request(output);
        }

        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx") || !IsComputeOp(node.OpType)) continue;
            if (excludedSet.Contains(node.Name) || node.Output.Count != 1)
            {
                plan.FloatNodes.Add(node.Name);
                plan.FloatReasons.TryAdd(node.Name, "more than one output");
                continue;
            }
            bool quantize = false;
            switch (node.OpType)
            {
                case "Conv":
                    if (IsActivation(node.Input[0]) && IsFloatInitializer(node.Input[1], initializers, out var w) && w.Dims.Count >= 3
                        && (node.Input.Count < 3 || node.Input[2] == "" || IsFloatInitializer(node.Input[2], initializers, out _)))
                    {
                        plan.WeightedNodes[node] = 0;
                        Request(node.Input[0]);
                        quantize = true;
                    }
                    break;
                case "Gemm":
                    if (IsActivation(node.Input[0]) && IsFloatInitializer(node.Input[1], initializers, out var b) && b.Dims.Count == 2
                        && OnnxTensors.IntAttribute(node, "transA", 0) == 0 && OnnxTensors.FloatAttribute(node, "alpha", 1f) == 1f
                        && OnnxTensors.FloatAttribute(node, "beta", 1f) == 1f && GemmBiasIsPerColumn(node, b, initializers))
                    {
                        plan.WeightedNodes[node] = OnnxTensors.IntAttribute(node, "transB", 0) == 1 ? 0 : 1;
                        Request(node.Input[0]);
                        quantize = true;
                    }
                    break;
                case "MatMul":
                    if (IsActivation(node.Input[0]) && IsFloatInitializer(node.Input[1], initializers, out var m) && m.Dims.Count == 2)
                    {
                        plan.WeightedNodes[node] = 1;
                        Request(node.Input[0]);
                        quantize = true;
                    }
                    break;
                case "Add" or "Mul" or "Concat":
                    if (node.Input.All(IsActivation))
                    {
                        foreach (string input in node.Input) Request(input);
                        quantize = true;
                    }
                    break;
                case "GlobalAveragePool" or "AveragePool" or "Sigmoid" or "LeakyRelu":
                    if (IsActivation(node.Input[0]))
                    {
                        Request(node.Input[0]);
                        quantize = true;
                    }
                    break;
            }
            if (!quantize)
            {
                plan.FloatNodes.Add(node.Name);
                plan.FloatReasons[node.Name] = "unsupported form (constant or non-float input, or weight not a float initializer)";
                continue;
            }
            plan.QuantizedNodes.Add(node.Name);
            RequestOutput(node);
        }

        // Data-movement ops run on int8 when input and output share scale and zero point.
        var fusedActivationNodes = plan.FusedActivations.Values.ToList();
        foreach (var node in graph.Node)
        {
            if (!DataMovementOps.Contains(node.OpType) || excludedSet.Contains(node.Name) || node.Output.Count != 1) continue;
            string input = node.Input[0], output = node.Output[0];
            if (!requested.Contains(input) || nonFloat.Contains(output) || KeepsFloat(output)) continue;
            Request(output);
            plan.SharedParameters[output] = input;
            plan.QuantizedNodes.Add(node.Name);
        }
        plan.QuantizedNodes.AddRange(fusedActivationNodes.Select(n => n.Name));
        foreach (var concat in graph.Node.Where(n => n.OpType == "Concat" && plan.QuantizedNodes.Contains(n.Name) && requested.Contains(n.Output[0])))
        {
            foreach (string input in concat.Input.Distinct())
            {
                if (requested.Contains(input) && !plan.SharedParameters.ContainsKey(input) && !graphOutputs.Contains(input)
                    && consumers.TryGetValue(input, out var readers) && readers.Count == 1)
                    plan.ConcatShared[input] = concat.Output[0];
            }
        }
        return plan;
    }

    public static bool IsComputeOp(string opType) => opType is "Conv" or "Gemm" or "MatMul" or "Add" or "Mul" or "Concat" or "GlobalAveragePool" or "AveragePool" or "Sigmoid" or "LeakyRelu";

    /// <summary>True for nodes the quantizer itself adds (Q/DQ).</summary>
    public static bool IsWeightDequantization(NodeProto node) => node.OpType is "QuantizeLinear" or "DequantizeLinear";

    /// <summary>Ops whose output reuses their input's scale and zero point.</summary>
    public static bool IsDataMovementOp(string opType) => DataMovementOps.Contains(opType);

    private static bool IsFloatInitializer(string name, Dictionary<string, TensorProto> initializers, out TensorProto tensor)
    {
        return initializers.TryGetValue(name, out tensor!) && tensor.DataType == OnnxTensors.FloatType;
    }

    private static bool GemmBiasIsPerColumn(NodeProto gemm, TensorProto b, Dictionary<string, TensorProto> initializers)
    {
        if (gemm.Input.Count < 3 || gemm.Input[2] == "") return true;
        long columns = OnnxTensors.IntAttribute(gemm, "transB", 0) == 1 ? b.Dims[0] : b.Dims[1];
        return IsFloatInitializer(gemm.Input[2], initializers, out var c) && OnnxTensors.ElementCount(c) == columns && c.Dims.Count <= 2
            && (c.Dims.Count < 2 || c.Dims[0] == 1);
    }

    /// <summary>Relu, or Clip with a constant lower bound of 0: the quantized range [0, max] already clamps.</summary>
    private static bool IsAbsorbableActivation(NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        if (node.OpType == "Relu") return true;
        if (node.OpType != "Clip" || node.Input.Count < 2 || node.Input[1] == "") return false;
        if (!initializers.TryGetValue(node.Input[1], out var min) || min.DataType != OnnxTensors.FloatType) return false;
        float[] values = OnnxTensors.ReadFloats(min);
        return values.Length == 1 && values[0] == 0f;
    }

    private static HashSet<string> FindNonFloatTensors(GraphProto graph)
    {
        var nonFloat = graph.Initializer.Where(t => t.DataType != OnnxTensors.FloatType).Select(t => t.Name).ToHashSet();
        nonFloat.UnionWith(graph.Input.Where(i => i.Type?.TensorType is { } tt && tt.ElemType != OnnxTensors.FloatType).Select(i => i.Name));
        foreach (var node in graph.Node)
        {
            bool outputsNonFloat = node.OpType switch
            {
                _ when NonFloatProducers.Contains(node.OpType) => true,
                "Cast" => OnnxTensors.IntAttribute(node, "to", OnnxTensors.FloatType) != OnnxTensors.FloatType,
                "Constant" => OnnxTensors.Attribute(node, "value") is { T: { } t } ? t.DataType != OnnxTensors.FloatType : OnnxTensors.Attribute(node, "value_float") is null && OnnxTensors.Attribute(node, "value_floats") is null,
                _ => node.Input.Count > 0 && nonFloat.Contains(node.Input[0]),
            };
            if (outputsNonFloat || node.Domain is not ("" or "ai.onnx")) nonFloat.UnionWith(node.Output);
        }
        return nonFloat;
    }
}
