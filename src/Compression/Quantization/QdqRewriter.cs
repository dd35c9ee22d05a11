using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Applies a <see cref="QdqPlan"/> with calibrated ranges: int8 per-channel weights and int32 biases
/// behind DequantizeLinear, QuantizeLinear/DequantizeLinear pairs on activations, absorbed Relu/Clip
/// nodes removed.
/// </summary>
internal sealed class QdqRewriter
{
    private readonly GraphProto _graph;
    private readonly QdqPlan _plan;
    private readonly QuantizationOptions _options;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, (float Scale, int ZeroPoint)> _parameters = [];
    private readonly Dictionary<string, (string Quantized, string Scale, string ZeroPoint)> _quantizedTensors = [];
    private readonly HashSet<string> _graphOutputs;
    private readonly List<NodeProto> _nodes = [];
    private readonly Dictionary<string, ValueInfoProto> _valueInfo;

    private QdqRewriter(GraphProto graph, QdqPlan plan, QuantizationOptions options)
    {
        _graph = graph;
        _plan = plan;
        _options = options;
        _initializers = graph.Initializer.ToDictionary(t => t.Name);
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        _valueInfo = graph.ValueInfo.Concat(graph.Input).GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First());
        _names = graph.Node.SelectMany(n => n.Output.Append(n.Name)).Concat(_initializers.Keys).Concat(graph.Input.Select(i => i.Name)).ToHashSet();
    }

    public static void Apply(ModelProto model, QdqPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QuantizationOptions options)
    {
        var rewriter = new QdqRewriter(model.Graph, plan, options);
        rewriter.ComputeParameters(ranges);
        rewriter.Rewrite();
    }

    /// <summary>Scale and zero point for a calibrated range, as ONNX Runtime's quantizer computes them.</summary>
    public static (float Scale, int ZeroPoint) ActivationParameters(TensorRange range, QuantizedActivationType type, bool symmetric)
    {
        double rmin = Math.Min(range.Min, 0f), rmax = Math.Max(range.Max, 0f);
        (int qmin, int qmax) = type == QuantizedActivationType.Int8 ? (-128, 127) : (0, 255);
        double scale;
        int zeroPoint;
        if (symmetric)
        {
            double absMax = Math.Max(-rmin, rmax);
            if (type == QuantizedActivationType.Int8)
            {
                scale = absMax / 127.0;
                zeroPoint = 0;
            }
            else
            {
                scale = 2 * absMax / 255.0;
                zeroPoint = 128;
            }
        }
        else if (range.ExactEnd != RangeEnd.None && ExactEndParameters(rmin, rmax, qmin, qmax, range.ExactEnd) is { } exact)
        {
            return exact;
        }
        else
        {
            scale = (rmax - rmin) / (qmax - qmin);
            zeroPoint = scale > 0 ? (int)Math.Clamp(Math.Round(qmin - rmin / scale, MidpointRounding.ToEven), qmin, qmax) : qmin;
        }
        if (!(scale > 0) || !double.IsFinite(scale) || (float)scale == 0f)
        {
            scale = 1.0;
            zeroPoint = symmetric ? (type == QuantizedActivationType.Int8 ? 0 : 128) : qmin;
        }
        return ((float)scale, zeroPoint);
    }

    /// <summary>
    /// An asymmetric grid on which 0 and the calibrated ends fall exactly: both ends when their ratio allows it with at
    /// most 1/16 fewer levels than the type has, otherwise <paramref name="exactEnd"/> (then the grid is at most 1/16
    /// coarser). Null when no such grid exists (a range that starts or ends at 0 is exact at both ends already).
    /// </summary>
    /// <remarks>
    /// Why: ONNX Runtime's zero point round(qmin - rmin / scale) puts rmin and rmax up to half a step off the grid. For
    /// the graph input those ends are the commonest pixel values (black background and padding, white), so every such
    /// pixel moves by the same amount: a systematic shift, not noise. Issue 17's seed-2 MobileNetV2 (mean and std 0.5:
    /// pixels -1..1, scale 2/255, zero point 127.5 rounded to 128) read its black background as -0.9961; together with
    /// the stem's weight rounding that moved whole background channels of the stem's output to the next output level,
    /// and the layers after it amplified that into 5.7 lost points. With -1 exact (scale 1/127, zero point 127) it lost 0.5
    /// (docs/quantization.md, "Why seed 2 lost 5.7 points").
    /// </remarks>
    internal static (float Scale, int ZeroPoint)? ExactEndParameters(double rmin, double rmax, int qmin, int qmax, RangeEnd exactEnd)
    {
        if (!(rmin < 0 && rmax > 0) || !double.IsFinite(rmax - rmin)) return null;
        int levels = qmax - qmin, mostLost = levels / 16;
        for (int n = levels; n >= levels - mostLost; n--)
        {
            double below = n * -rmin / (rmax - rmin); // steps from rmin up to 0 on a grid of n steps
            int whole = (int)Math.Round(below);
            if (whole >= 1 && whole < n && Math.Abs(below - whole) <= 1e-3)
                return ((float)(-rmin / whole), qmin + whole);
        }
        double zero = levels * -rmin / (rmax - rmin); // 0 on ONNX Runtime's grid, in steps above qmin
        int steps = exactEnd == RangeEnd.Min ? (int)Math.Floor(zero) : (int)Math.Floor(levels - zero);
        if (steps < 16) return null; // (steps + 1) / steps: at most 1/16 coarser than ONNX Runtime's grid
        return exactEnd == RangeEnd.Min ? ((float)(-rmin / steps), qmin + steps) : ((float)(rmax / steps), qmax - steps);
    }

    private void ComputeParameters(IReadOnlyDictionary<string, TensorRange> ranges)
    {
        foreach (string tensor in _plan.QuantizedTensors)
        {
            if (_plan.SharedParameters.ContainsKey(tensor)) continue;
            if (!ranges.TryGetValue(tensor, out var range))
                throw new QuantizationException($"tensor '{tensor}': no calibrated range");
            _parameters[tensor] = ActivationParameters(range, _options.ActivationType, _options.SymmetricActivations);
        }
        // A Concat input read by the Concat alone takes the Concat's parameters (QLinearConcat then copies it), unless
        // that would undo the producer's absorbed activation: a Relu needs the zero point at the type's minimum (the
        // Concat's range starts at 0), a Clip needs its own upper bound.
        var absorbed = _plan.FusedActivations.Values.ToDictionary(a => a.Output[0], a => a.OpType);
        foreach (var (input, concatOutput) in _plan.ConcatShared)
        {
            bool exact = !absorbed.TryGetValue(input, out string? activation) || activation == "Relu" && ranges[concatOutput].Min >= 0;
            if (exact) _parameters[input] = _parameters[concatOutput];
        }
        // Shared tensors follow their source, which comes earlier in topological order.
        foreach (var node in _graph.Node)
        {
            foreach (string output in node.Output)
            {
                if (_plan.SharedParameters.TryGetValue(output, out string? source)) _parameters[output] = _parameters[source];
            }
        }
    }

    private void Rewrite()
    {
        var quantized = _plan.QuantizedTensors.ToHashSet();
        var removed = new HashSet<NodeProto>(_plan.FusedActivations.Values, ReferenceEqualityComparer.Instance);
        foreach (var input in _graph.Input)
        {
            if (quantized.Contains(input.Name)) EmitActivationQdq(input.Name, producer: null);
        }
        foreach (var node in _graph.Node.ToList())
        {
            if (removed.Contains(node)) continue;
            string activationInput = node.Input.Count > 0 ? node.Input[0] : "";
            // One DequantizeLinear per consumer: ONNX Runtime fuses a node group only when its DQ
            // inputs feed nothing else.
            var dequantized = new Dictionary<string, string>();
            for (int i = 0; i < node.Input.Count; i++)
            {
                string input = node.Input[i];
                if (!_quantizedTensors.TryGetValue(input, out var q)) continue;
                if (!dequantized.TryGetValue(input, out string? dq))
                {
                    dq = Unique(input + "_dequantized");
                    _nodes.Add(KeptFloatWeighted(node) && ChannelCount(input) is int channels
                        ? PerChannelDequantize(input, q, dq, channels)
                        : OnnxTensors.Node("DequantizeLinear", Unique(input + "_DequantizeLinear"), [q.Quantized, q.Scale, q.ZeroPoint], [dq]));
                    dequantized[input] = dq;
                }
                node.Input[i] = dq;
            }
            if (_plan.WeightedNodes.TryGetValue(node, out int axis)) QuantizeWeights(node, axis, activationInput);
            if (_plan.FusedActivations.TryGetValue(node, out var activation)) node.Output[0] = activation.Output[0];
            _nodes.Add(node);
            foreach (string output in node.Output.ToList())
            {
                if (quantized.Contains(output)) EmitActivationQdq(output, node);
            }
        }
        _graph.Node.Clear();
        _graph.Node.AddRange(_nodes);

        var used = _graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var t in _graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) _graph.Initializer.Remove(t);
        foreach (var i in _graph.Input.Where(i => _initializers.ContainsKey(i.Name) && !used.Contains(i.Name)).ToList()) _graph.Input.Remove(i);
    }

    /// <summary>A Conv/Gemm kept float (by name, by position or by the accuracy fallback).</summary>
    private bool KeptFloatWeighted(NodeProto node) =>
        node.OpType is "Conv" or "Gemm" or "ConvTranspose" && _plan.FloatReasons.ContainsKey(node.Name) && !_plan.QuantizedNodes.Contains(node.Name);

    private int? ChannelCount(string tensor) =>
        _valueInfo.TryGetValue(tensor, out var info) && info.Type?.TensorType?.Shape is { Dim.Count: >= 2 } shape && shape.Dim[1].DimValue > 0 ? (int)shape.Dim[1].DimValue : null;

    /// <summary>
    /// The same dequantization with the scale and zero point repeated per channel (axis 1). ONNX Runtime's
    /// WeightBiasQuantization quantizes the float weights (per tensor) of any Conv/Gemm whose input comes from a
    /// per-tensor DequantizeLinear and whose output leads to a QuantizeLinear, which would undo "keep this layer
    /// float"; it leaves the layer alone when the input's scale is not a scalar.
    /// </summary>
    private NodeProto PerChannelDequantize(string input, (string Quantized, string Scale, string ZeroPoint) q, string output, int channels)
    {
        var (scale, zeroPoint) = _parameters[input];
        string scaleName = Unique(input + "_channel_scale"), zeroPointName = Unique(input + "_channel_zero_point");
        AddInitializer(OnnxTensors.Create<float>(scaleName, OnnxTensors.FloatType, Enumerable.Repeat(scale, channels).ToArray(), channels));
        AddInitializer(_options.ActivationType == QuantizedActivationType.Int8
            ? OnnxTensors.Create<sbyte>(zeroPointName, OnnxTensors.Int8Type, Enumerable.Repeat((sbyte)zeroPoint, channels).ToArray(), channels)
            : OnnxTensors.Create<byte>(zeroPointName, OnnxTensors.UInt8Type, Enumerable.Repeat((byte)zeroPoint, channels).ToArray(), channels));
        return OnnxTensors.Node("DequantizeLinear", Unique(input + "_DequantizeLinear"), [q.Quantized, scaleName, zeroPointName], [output], OnnxTensors.IntAttr("axis", 1));
    }

    private string Unique(string name)
    {
        string candidate = name;
        for (int i = 1; !_names.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    private void AddInitializer(TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        _initializers[tensor.Name] = tensor;
    }

    private void EmitActivationQdq(string tensor, NodeProto? producer)
    {
        var (scale, zeroPoint) = _parameters[tensor];
        string scaleName = Unique(tensor + "_scale"), zeroPointName = Unique(tensor + "_zero_point");
        AddInitializer(OnnxTensors.Create<float>(scaleName, OnnxTensors.FloatType, [scale]));
        AddInitializer(ZeroPointTensor(zeroPointName, zeroPoint));
        string quantizedName = Unique(tensor + "_quantized");
        string floatInput = tensor, dequantizedName;
        if (producer is not null && _graphOutputs.Contains(tensor))
        {
            // Keep the graph output's name on the DequantizeLinear output.
            floatInput = Unique(tensor + "_float");
            producer.Output[producer.Output.IndexOf(tensor)] = floatInput;
            dequantizedName = tensor;
        }
        else
        {
            dequantizedName = "";
            _quantizedTensors[tensor] = (quantizedName, scaleName, zeroPointName);
        }
        _nodes.Add(OnnxTensors.Node("QuantizeLinear", Unique(tensor + "_QuantizeLinear"), [floatInput, scaleName, zeroPointName], [quantizedName]));
        if (dequantizedName != "")
        {
            _nodes.Add(OnnxTensors.Node("DequantizeLinear", Unique(tensor + "_DequantizeLinear"), [quantizedName, scaleName, zeroPointName], [dequantizedName]));
            _quantizedTensors[tensor] = (quantizedName, scaleName, zeroPointName);
        }
    }

    private TensorProto ZeroPointTensor(string name, int zeroPoint)
    {
        return _options.ActivationType == QuantizedActivationType.Int8
            ? OnnxTensors.Create<sbyte>(name, OnnxTensors.Int8Type, [(sbyte)zeroPoint])
            : OnnxTensors.Create<byte>(name, OnnxTensors.UInt8Type, [(byte)zeroPoint]);
    }

    /// <summary>Weight: int8 symmetric (range ±127, or ±64 with ReduceWeightRange) per channel on <paramref name="axis"/>; bias: int32 with scale x_scale * w_scale.</summary>
    private void QuantizeWeights(NodeProto node, int axis, string activationInput)
    {
        var weight = _initializers[node.Input[1]];
        float[] w = OnnxTensors.ReadFloats(weight);
        long[] dims = weight.Dims.ToArray();
        bool perChannel = _options.PerChannel && node.OpType != "MatMul";
        int channels = perChannel ? (int)dims[axis] : 1;
        long inner = 1;
        for (int d = axis + 1; d < dims.Length; d++) inner *= dims[d];
        int ChannelOf(long index) => perChannel ? (int)(index / inner % channels) : 0;

        var absMax = new float[channels];
        for (long i = 0; i < w.LongLength; i++) absMax[ChannelOf(i)] = Math.Max(absMax[ChannelOf(i)], Math.Abs(w[i]));
        int qmax = _options.ReduceWeightRange ? 64 : 127;
        var scales = absMax.Select(a => a > 0 ? a / qmax : 1f).ToArray();
        var q = new sbyte[w.Length];
        for (long i = 0; i < w.LongLength; i++)
            q[i] = (sbyte)Math.Clamp(Math.Round(w[i] / scales[ChannelOf(i)], MidpointRounding.ToEven), -qmax, qmax);

        long[] parameterDims = perChannel ? [channels] : [];
        string baseName = weight.Name;
        string qName = Unique(baseName + "_quantized"), sName = Unique(baseName + "_scale"), zName = Unique(baseName + "_zero_point");
        AddInitializer(OnnxTensors.Create<sbyte>(qName, OnnxTensors.Int8Type, q, dims));
        AddInitializer(OnnxTensors.Create<float>(sName, OnnxTensors.FloatType, scales, parameterDims));
        AddInitializer(OnnxTensors.Create<sbyte>(zName, OnnxTensors.Int8Type, new sbyte[channels], parameterDims));
        string dqName = Unique(baseName + "_dequantized");
        _nodes.Add(perChannel
            ? OnnxTensors.Node("DequantizeLinear", Unique(baseName + "_DequantizeLinear"), [qName, sName, zName], [dqName], OnnxTensors.IntAttr("axis", axis))
            : OnnxTensors.Node("DequantizeLinear", Unique(baseName + "_DequantizeLinear"), [qName, sName, zName], [dqName]));
        node.Input[1] = dqName;

        if (node.Input.Count < 3 || node.Input[2] == "") return;
        var biasTensor = _initializers[node.Input[2]];
        float[] bias = OnnxTensors.ReadFloats(biasTensor);
        float inputScale = _parameters[activationInput].Scale;
        var biasScales = new float[perChannel ? bias.Length : 1];
        for (int c = 0; c < biasScales.Length; c++) biasScales[c] = inputScale * scales[perChannel ? c : 0];
        var qBias = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            double value = Math.Round(bias[c] / (double)biasScales[perChannel ? c : 0], MidpointRounding.ToEven);
            qBias[c] = (int)Math.Clamp(value, int.MinValue + 1, int.MaxValue);
        }
        long[] biasDims = biasTensor.Dims.ToArray();
        long[] biasParameterDims = perChannel ? [bias.Length] : [];
        // The bias zero point is left out (ONNX default 0) to save 4 bytes per channel.
        string bqName = Unique(biasTensor.Name + "_quantized"), bsName = Unique(biasTensor.Name + "_scale");
        AddInitializer(OnnxTensors.Create<int>(bqName, OnnxTensors.Int32Type, qBias, biasDims));
        AddInitializer(OnnxTensors.Create<float>(bsName, OnnxTensors.FloatType, biasScales, biasParameterDims));
        string bdqName = Unique(biasTensor.Name + "_dequantized");
        int biasAxis = biasDims.Length == 2 ? 1 : 0;
        _nodes.Add(perChannel
            ? OnnxTensors.Node("DequantizeLinear", Unique(biasTensor.Name + "_DequantizeLinear"), [bqName, bsName], [bdqName], OnnxTensors.IntAttr("axis", biasAxis))
            : OnnxTensors.Node("DequantizeLinear", Unique(biasTensor.Name + "_DequantizeLinear"), [bqName, bsName], [bdqName]));
        node.Input[2] = bdqName;
    }
}
