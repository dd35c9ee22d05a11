using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Measures every quantized layer against float in ONNX Runtime, in one session over one combined graph:
/// the prepared float graph, the QDQ graph (tensors renamed), and per layer an isolated replica of its
/// quantized node fed the float graph's tensors through the layer's own Q/DQ. The QDQ arithmetic gives the
/// values ONNX Runtime's integer kernels compute, up to their requantization rounding.
/// </summary>
internal sealed class LayerErrorMeter
{
    private const string Int8Suffix = "::int8";

    private sealed class Probe(string layer, string floatOutput, string int8Output, string isolatedOutput, string? floatRaw, string? isolatedRaw)
    {
        /// <summary>Per graph output: the float graph's tensor and this layer's downstream replica's (the same name when the layer does not reach it).</summary>
        public List<(string Float, string Alone)> ModelOutputs { get; } = [];
        public double OutputSignal, OutputNoise;
        public string Layer { get; } = layer;
        public string FloatOutput { get; } = floatOutput;
        public string Int8Output { get; } = int8Output;
        public string IsolatedOutput { get; } = isolatedOutput;
        public string? FloatRaw { get; } = floatRaw;
        public string? IsolatedRaw { get; } = isolatedRaw;
        public double Signal, Noise, IsolatedNoise;
        public double[]? ChannelError;
        public long ChannelCount;
    }

    private readonly List<Probe> _probes = [];
    private bool _throughModel;

    /// <summary>Per layer, the SQNR of its output (only layers whose output exists in the float graph).</summary>
    public Dictionary<string, LayerSqnr> Sqnr { get; } = [];

    /// <summary>Per weighted layer with a bias, the mean of float minus isolated quantized output per output channel (before any absorbed activation).</summary>
    public Dictionary<string, double[]> ChannelMeanError { get; } = [];

    /// <summary>
    /// Runs up to <paramref name="samples"/> samples of <paramref name="data"/> through <paramref name="prepared"/> and <paramref name="quantized"/>;
    /// with <paramref name="throughModel"/>, also each layer's isolated output through a copy of the float layers after it
    /// (<see cref="LayerSqnr.OutputDb"/>; about half a forward pass more per layer, so only when --max-drop needs it).
    /// </summary>
    public static LayerErrorMeter Measure(ModelProto prepared, ModelProto quantized, QdqPlan plan, IEnumerable<CalibrationBatch> data, int samples, bool throughModel)
    {
        var meter = new LayerErrorMeter { _throughModel = throughModel };
        var combined = meter.Combine(prepared, quantized, plan);
        if (meter._probes.Count == 0) return meter;
        var outputs = new List<string>();
        foreach (var p in meter._probes)
        {
            outputs.AddRange([p.FloatOutput, p.Int8Output, p.IsolatedOutput]);
            if (p.FloatRaw is not null) outputs.AddRange([p.FloatRaw, p.IsolatedRaw!]);
            foreach (var (f, a) in p.ModelOutputs) outputs.AddRange([f, a]);
        }
        var distinct = outputs.Distinct().ToList();
        var existing = combined.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (string name in distinct.Where(existing.Add))
            combined.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.FloatType } } });
        string[] names = distinct.ToArray();
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        ActivationCalibrator.RunSamples(combined, names, data, samples, 8, results =>
        {
            foreach (var p in meter._probes)
            {
                var f = results[index[p.FloatOutput]].GetTensorDataAsSpan<float>();
                var q = results[index[p.Int8Output]].GetTensorDataAsSpan<float>();
                var iso = results[index[p.IsolatedOutput]].GetTensorDataAsSpan<float>();
                for (int i = 0; i < f.Length; i++)
                {
                    double x = f[i];
                    p.Signal += x * x;
                    p.Noise += (x - q[i]) * (x - q[i]);
                    p.IsolatedNoise += (x - iso[i]) * (x - iso[i]);
                }
                foreach (var (fo, ao) in p.ModelOutputs)
                {
                    var mf = results[index[fo]].GetTensorDataAsSpan<float>();
                    var ma = results[index[ao]].GetTensorDataAsSpan<float>();
                    for (int i = 0; i < mf.Length; i++)
                    {
                        double x = mf[i];
                        p.OutputSignal += x * x;
                        p.OutputNoise += (x - ma[i]) * (x - ma[i]);
                    }
                }
                if (p.FloatRaw is null) continue;
                var fr = results[index[p.FloatRaw]];
                var ir = results[index[p.IsolatedRaw!]].GetTensorDataAsSpan<float>();
                long[] shape = fr.GetTensorTypeAndShape().Shape;
                int channels = (int)shape[1];
                long inner = 1;
                for (int d = 2; d < shape.Length; d++) inner *= shape[d];
                p.ChannelError ??= new double[channels];
                var frs = fr.GetTensorDataAsSpan<float>();
                for (int i = 0; i < frs.Length; i++) p.ChannelError[(int)(i / inner % channels)] += frs[i] - ir[i];
                p.ChannelCount += frs.Length / channels;
            }
        });
        foreach (var p in meter._probes)
        {
            meter.Sqnr[p.Layer] = new LayerSqnr(Db(p.Signal, p.Noise), Db(p.Signal, p.IsolatedNoise), throughModel ? Db(p.OutputSignal, p.OutputNoise) : null);
            if (p.ChannelError is not null && p.ChannelCount > 0)
                meter.ChannelMeanError[p.Layer] = p.ChannelError.Select(e => e / p.ChannelCount).ToArray();
        }
        return meter;
    }

    /// <summary>SQNR in dB, capped at 200 dB (exact outputs).</summary>
    private static double Db(double signal, double noise) =>
        noise <= 0 ? 200 : signal <= 0 ? double.NegativeInfinity : Math.Min(200, 10 * Math.Log10(signal / noise));

    private ModelProto Combine(ModelProto prepared, ModelProto quantized, QdqPlan plan)
    {
        var model = prepared.Clone();
        var graph = model.Graph;
        var floatOrder = graph.Node.ToList(); // the prepared float graph, topologically sorted (ONNX requires it)
        var graphOutputs = graph.Output.Select(o => o.Name).ToList();
        var constants = graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var t in quantized.Graph.Initializer.Where(t => constants.Add(t.Name))) graph.Initializer.Add(t);
        var inputs = graph.Input.Select(i => i.Name).ToHashSet();
        string Int8(string name) => name == "" || constants.Contains(name) || inputs.Contains(name) ? name : name + Int8Suffix;

        var floatNodes = graph.Node.ToDictionary(n => n.Name);
        var floatTensors = graph.Node.SelectMany(n => n.Output).Concat(inputs).ToHashSet();
        var qNodes = quantized.Graph.Node;
        var producer = new Dictionary<string, NodeProto>();
        foreach (var n in qNodes)
            foreach (string o in n.Output) producer[o] = n;
        var quantizeOf = qNodes.Where(n => n.OpType == "QuantizeLinear").GroupBy(n => n.Input[0]).ToDictionary(g => g.Key, g => g.First());

        foreach (var n in qNodes)
        {
            var copy = n.Clone();
            copy.Name = n.Name + Int8Suffix;
            for (int i = 0; i < copy.Input.Count; i++) copy.Input[i] = Int8(copy.Input[i]);
            for (int i = 0; i < copy.Output.Count; i++) copy.Output[i] = Int8(copy.Output[i]);
            graph.Node.Add(copy);
        }

        var layers = plan.QuantizedNodes.ToHashSet();
        foreach (var layer in qNodes.Where(n => layers.Contains(n.Name) && QdqPlan.IsComputeOp(n.OpType)))
        {
            string output = layer.Output[0];
            if (!floatTensors.Contains(output) || !floatNodes.TryGetValue(layer.Name, out var floatNode)) continue;
            string prefix = "sqnr::" + layer.Name + "::";
            var isolated = layer.Clone();
            isolated.Name = prefix + "isolated";
            bool ok = true;
            for (int i = 0; i < isolated.Input.Count; i++)
            {
                string input = isolated.Input[i];
                if (input == "" || constants.Contains(input)) continue;
                if (producer.TryGetValue(input, out var dq) && dq.OpType == "DequantizeLinear")
                {
                    if (constants.Contains(dq.Input[0]))
                    {
                        isolated.Input[i] = Int8(input); // a weight or bias: the int8 copy's dequantized constant
                        continue;
                    }
                    if (producer.TryGetValue(dq.Input[0], out var q) && q.OpType == "QuantizeLinear" && floatTensors.Contains(q.Input[0]))
                    {
                        isolated.Input[i] = QuantizeDequantize(graph, q.Input[0], q, $"{prefix}in{i}");
                        continue;
                    }
                }
                if (floatTensors.Contains(input)) continue; // a float input of a float tensor
                ok = false;
            }
            if (!ok) continue;
            string raw = prefix + "raw";
            isolated.Output[0] = raw;
            graph.Node.Add(isolated);
            string int8Output, isolatedOutput;
            if (quantizeOf.TryGetValue(output, out var outputQ))
            {
                int8Output = prefix + "int8";
                graph.Node.Add(OnnxTensors.Node("DequantizeLinear", prefix + "int8_dq", [Int8(outputQ.Output[0]), outputQ.Input[1], outputQ.Input[2]], [int8Output]));
                isolatedOutput = QuantizeDequantize(graph, raw, outputQ, prefix + "out");
            }
            else
            {
                int8Output = Int8(output);
                isolatedOutput = raw;
            }
            bool hasBias = plan.WeightedNodes.Keys.Any(w => w.Name == layer.Name) && layer.Input.Count > 2 && layer.Input[2] != "";
            var probe = new Probe(layer.Name, output, int8Output, isolatedOutput, hasBias ? floatNode.Output[0] : null, hasBias ? raw : null);
            if (_throughModel) AddDownstreamReplica(graph, floatOrder, graphOutputs, output, isolatedOutput, prefix + "down::", probe.ModelOutputs);
            _probes.Add(probe);
        }
        return model;
    }

    /// <summary>
    /// Copies every float node downstream of <paramref name="floatTensor"/> (names prefixed with <paramref name="prefix"/>),
    /// reading <paramref name="replacement"/> in its place: the float model with only this layer quantized. Adds to
    /// <paramref name="modelOutputs"/> each graph output with the replica's name for it (the float name when not reached).
    /// </summary>
    private static void AddDownstreamReplica(GraphProto graph, List<NodeProto> floatOrder, List<string> graphOutputs, string floatTensor, string replacement,
        string prefix, List<(string Float, string Alone)> modelOutputs)
    {
        var renamed = new Dictionary<string, string> { [floatTensor] = replacement };
        foreach (var node in floatOrder)
        {
            if (node.Output.Contains(floatTensor) || !node.Input.Any(renamed.ContainsKey)) continue;
            var copy = node.Clone();
            copy.Name = prefix + node.Name;
            for (int i = 0; i < copy.Input.Count; i++)
                if (renamed.TryGetValue(copy.Input[i], out string? r)) copy.Input[i] = r;
            for (int i = 0; i < copy.Output.Count; i++)
            {
                if (copy.Output[i] == "") continue;
                renamed[node.Output[i]] = copy.Output[i] = prefix + node.Output[i];
            }
            graph.Node.Add(copy);
        }
        foreach (string o in graphOutputs) modelOutputs.Add((o, renamed.TryGetValue(o, out string? r) ? r : o));
    }

    /// <summary>Adds Q/DQ of <paramref name="tensor"/> with <paramref name="like"/>'s scale and zero point; returns the dequantized name.</summary>
    private static string QuantizeDequantize(GraphProto graph, string tensor, NodeProto like, string name)
    {
        var q = OnnxTensors.Node("QuantizeLinear", name + "_q", [tensor, like.Input[1], like.Input.Count > 2 ? like.Input[2] : ""], [name + "_quantized"]);
        q.Attribute.AddRange(like.Attribute.Select(a => a.Clone()));
        var dq = OnnxTensors.Node("DequantizeLinear", name + "_dq", [name + "_quantized", like.Input[1], like.Input.Count > 2 ? like.Input[2] : ""], [name + "_dequantized"]);
        dq.Attribute.AddRange(like.Attribute.Select(a => a.Clone()));
        graph.Node.Add(q);
        graph.Node.Add(dq);
        return name + "_dequantized";
    }
}
