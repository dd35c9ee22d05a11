using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>Builds small float ONNX CNN classifiers with random weights directly with OnnxSharp.</summary>
internal sealed class TinyOnnxModels
{
    private readonly Random _random;
    private readonly GraphProto _graph = new() { Name = "tiny" };

    private TinyOnnxModels(int seed) => _random = new Random(seed);

    public const string InputName = "input";
    public const string OutputName = "logits";

    /// <summary>Conv-Relu-DepthwiseConv-Relu-Conv-Add(residual)-GlobalAveragePool-Flatten-Gemm.</summary>
    public static ModelProto Residual(int channels = 8, int size = 16, int classes = 10, int seed = 1, int opset = 13)
    {
        var b = new TinyOnnxModels(seed);
        b.Input(3, size);
        string x = b.Conv("conv1", InputName, 3, channels, 3, group: 1);
        x = b.Relu("relu1", x);
        string skip = x;
        x = b.Conv("dwconv", x, channels, channels, 3, group: channels);
        x = b.Relu("relu2", x);
        x = b.Conv("pwconv", x, channels, channels, 1, group: 1);
        x = b.Binary("Add", "add", x, skip);
        x = b.Unary("GlobalAveragePool", "gap", x);
        x = b.Unary("Flatten", "flatten", x);
        b.Gemm("classifier", x, channels, classes);
        return b.Model(opset);
    }

    /// <summary>A MobileNet-like chain without fan-out: Conv-Relu, (DepthwiseConv-Relu-Conv-Relu) x blocks, GlobalAveragePool, Flatten, Gemm.</summary>
    public static ModelProto Chain(int channels = 8, int size = 16, int classes = 10, int blocks = 2, int seed = 5, bool relu6 = false)
    {
        var b = new TinyOnnxModels(seed);
        b.Input(3, size);
        if (relu6)
        {
            b._graph.Initializer.Add(OnnxScalar("clip_min", 0f));
            b._graph.Initializer.Add(OnnxScalar("clip_max", 6f));
        }
        string Act(string name, string input) => relu6 ? b.Add("Clip", name, [input, "clip_min", "clip_max"], name + "_out").Output[0] : b.Relu(name, input);
        string x = Act("relu0", b.Conv("conv0", InputName, 3, channels, 3, group: 1));
        for (int i = 1; i <= blocks; i++)
        {
            x = Act($"relu{i}_dw", b.Conv($"conv{i}_dw", x, channels, channels, 3, group: channels));
            x = Act($"relu{i}_pw", b.Conv($"conv{i}_pw", x, channels, channels, 1, group: 1));
        }
        x = b.Unary("GlobalAveragePool", "gap", x);
        x = b.Unary("Flatten", "flatten", x);
        b.Gemm("classifier", x, channels, classes);
        return b.Model(13);
    }

    /// <summary>Conv-Relu-MaxPool, two Conv-Relu branches, Concat, GlobalAveragePool, Flatten, Gemm.</summary>
    public static ModelProto Concat(int channels = 8, int size = 16, int classes = 10, int seed = 2)
    {
        var b = new TinyOnnxModels(seed);
        b.Input(3, size);
        string x = b.Relu("relu1", b.Conv("conv1", InputName, 3, channels, 3, group: 1));
        x = b.MaxPool("pool", x);
        string left = b.Relu("relu_left", b.Conv("conv_left", x, channels, channels, 1, group: 1));
        string right = b.Relu("relu_right", b.Conv("conv_right", x, channels, channels, 3, group: 1));
        var concat = new NodeProto { OpType = "Concat", Name = "concat" };
        concat.Input.AddRange([left, right]);
        concat.Output.Add("concat_out");
        concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        b._graph.Node.Add(concat);
        x = b.Unary("GlobalAveragePool", "gap", "concat_out");
        x = b.Unary("Flatten", "flatten", x);
        b.Gemm("classifier", x, 2 * channels, classes);
        return b.Model(13);
    }

    /// <summary>Conv-BatchNormalization-Relu-GlobalAveragePool-Flatten-Gemm (BN must be folded).</summary>
    public static ModelProto WithBatchNorm(int channels = 8, int size = 16, int classes = 10, int seed = 3)
    {
        var b = new TinyOnnxModels(seed);
        b.Input(3, size);
        string x = b.Conv("conv1", InputName, 3, channels, 3, group: 1);
        b._graph.Initializer.Add(b.Tensor("bn_gamma", [channels], 0.5f, offset: 1f));
        b._graph.Initializer.Add(b.Tensor("bn_beta", [channels], 0.1f));
        b._graph.Initializer.Add(b.Tensor("bn_mean", [channels], 0.1f));
        b._graph.Initializer.Add(b.Tensor("bn_var", [channels], 0.2f, offset: 1f));
        b.Add("BatchNormalization", "bn", [x, "bn_gamma", "bn_beta", "bn_mean", "bn_var"], "bn_out");
        x = b.Relu("relu1", "bn_out");
        x = b.Unary("GlobalAveragePool", "gap", x);
        x = b.Unary("Flatten", "flatten", x);
        b.Gemm("classifier", x, channels, classes);
        return b.Model(13);
    }

    /// <summary>A Conv-Relu-Squeeze-style model at opset 11 with an op whose meaning changes at 13.</summary>
    public static ModelProto WithSqueezeOpset11()
    {
        var b = new TinyOnnxModels(4);
        b.Input(3, 8);
        string x = b.Relu("relu1", b.Conv("conv1", InputName, 3, 4, 3, group: 1));
        x = b.Unary("GlobalAveragePool", "gap", x);
        var squeeze = b.Add("Squeeze", "squeeze", [x], "squeezed");
        squeeze.Attribute.Add(new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 3 } });
        b.Gemm("classifier", "squeezed", 4, 10);
        return b.Model(11);
    }

    private static TensorProto OnnxScalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(value);
        return t;
    }

    public static float[] RandomInputs(int count, int size, int seed, int channels = 3)
    {
        var random = new Random(seed);
        var data = new float[count * channels * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = Gaussian(random);
        return data;
    }

    public static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    private void Input(int channels, int size)
    {
        _graph.Input.Add(ValueInfo(InputName, [-1, channels, size, size]));
    }

    private static ValueInfoProto ValueInfo(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    private TensorProto Tensor(string name, long[] dims, float std, float offset = 0f)
    {
        long n = dims.Aggregate(1L, (a, d) => a * d);
        var values = new float[n];
        for (long i = 0; i < n; i++) values[i] = offset + std * (offset == 0 ? Gaussian(_random) : Math.Abs(Gaussian(_random)));
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    private NodeProto Add(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        _graph.Node.Add(node);
        return node;
    }

    private string Conv(string name, string input, int inChannels, int outChannels, int kernel, int group)
    {
        int fanIn = inChannels / group * kernel * kernel;
        _graph.Initializer.Add(Tensor(name + ".weight", [outChannels, inChannels / group, kernel, kernel], (float)Math.Sqrt(2.0 / fanIn)));
        _graph.Initializer.Add(Tensor(name + ".bias", [outChannels], 0.1f));
        var node = Add("Conv", name, [input, name + ".weight", name + ".bias"], name + "_out");
        int pad = kernel / 2;
        node.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { pad, pad, pad, pad } });
        node.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { kernel, kernel } });
        node.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = group });
        return name + "_out";
    }

    private string Relu(string name, string input) => Unary("Relu", name, input);

    private string Unary(string op, string name, string input)
    {
        Add(op, name, [input], name + "_out");
        return name + "_out";
    }

    private string Binary(string op, string name, string a, string b)
    {
        Add(op, name, [a, b], name + "_out");
        return name + "_out";
    }

    private string MaxPool(string name, string input)
    {
        var node = Add("MaxPool", name, [input], name + "_out");
        node.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
        node.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
        return name + "_out";
    }

    private void Gemm(string name, string input, int inFeatures, int classes)
    {
        _graph.Initializer.Add(Tensor(name + ".weight", [classes, inFeatures], (float)Math.Sqrt(1.0 / inFeatures)));
        _graph.Initializer.Add(Tensor(name + ".bias", [classes], 0.1f));
        var node = Add("Gemm", name, [input, name + ".weight", name + ".bias"], OutputName);
        node.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        _graph.Output.Add(ValueInfo(OutputName, [-1, classes]));
    }

    private ModelProto Model(int opset)
    {
        var model = new ModelProto { IrVersion = opset >= 13 ? 7 : 6, ProducerName = "tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }
}
