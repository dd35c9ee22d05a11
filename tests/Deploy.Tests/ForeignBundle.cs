using System.Runtime.InteropServices;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// Writes a bundle around a graph laid out the way PyTorch's exporter writes a torchvision MobileNetV2
/// block, not the way our exporter does: numbered tensor names (<c>input.1</c>, <c>123</c>), unfolded
/// BatchNormalization nodes, ReLU6 as Clip with min/max inputs, a depthwise conv, an inverted-residual
/// Add, Reshape by a shape constant, a dynamic batch dimension and producer <c>pytorch</c>. Seeded random
/// weights, 3x32x32 input, 10 classes: the "foreign graph" of the ARM64 proof.
/// </summary>
internal static class ForeignBundle
{
    private const int Size = 32, Classes = 10;

    public static string Write(string folder, int seed = 11)
    {
        var rng = new Random(seed);
        var g = new GraphProto { Name = "main_graph" };
        int next = 100;
        string Fresh() => (next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int nodeId = 0;
        NodeProto Add(string op, string[] inputs, string output)
        {
            var n = new NodeProto { OpType = op, Name = $"{op}_{nodeId++}" };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            g.Node.Add(n);
            return n;
        }
        string Init(float[] values, params long[] dims)
        {
            string name = Fresh();
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
            t.Dims.AddRange(dims);
            g.Initializer.Add(t);
            return name;
        }
        string ConvBn(string x, int inC, int outC, int k, int stride, int group)
        {
            int fanIn = inC / group * k * k;
            string w = Init(Rand(rng, outC * fanIn, MathF.Sqrt(2f / fanIn)), outC, inC / group, k, k);
            string y = Fresh();
            var conv = Add("Conv", [x, w], y);
            conv.Attribute.Add(Ints("kernel_shape", k, k));
            conv.Attribute.Add(Ints("pads", k / 2, k / 2, k / 2, k / 2));
            conv.Attribute.Add(Ints("strides", stride, stride));
            conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = group });
            string scale = Init(Shift(Rand(rng, outC, 0.2f), 1f), outC), bias = Init(Rand(rng, outC, 0.1f), outC);
            string mean = Init(Rand(rng, outC, 0.1f), outC), variance = Init(Shift(Rand(rng, outC, 0.2f), 1f), outC);
            string z = Fresh();
            var bn = Add("BatchNormalization", [y, scale, bias, mean, variance], z);
            bn.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = 1e-5f });
            return z;
        }
        string lo = Init([0f]), hi = Init([6f]);
        string Relu6(string x)
        {
            string y = Fresh();
            Add("Clip", [x, lo, hi], y);
            return y;
        }

        string stem = Relu6(ConvBn("input.1", 3, 16, 3, 2, 1));                  // 16x16x16
        string dw = Relu6(ConvBn(stem, 16, 16, 3, 1, 16));                       // depthwise
        string project = ConvBn(dw, 16, 16, 1, 1, 1);                             // linear bottleneck
        string residual = Fresh();
        Add("Add", [stem, project], residual);
        string expand = Relu6(ConvBn(residual, 16, 32, 1, 1, 1));
        string pooled = Fresh();
        Add("GlobalAveragePool", [expand], pooled);
        var shape = new TensorProto { Name = Fresh(), DataType = (int)TensorProto.Types.DataType.Int64 };
        shape.Dims.Add(2);
        shape.Int64Data.AddRange([-1, 32]);
        g.Initializer.Add(shape);
        string flat = Fresh();
        Add("Reshape", [pooled, shape.Name], flat);
        string fw = Init(Rand(rng, Classes * 32, 1f), Classes, 32), fb = Init(Rand(rng, Classes, 0.1f), Classes);
        var gemm = Add("Gemm", [flat, fw, fb], "output");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Input.Add(Value("input.1", ["batch_size", 3, Size, Size]));
        g.Output.Add(Value("output", ["batch_size", Classes]));

        var model = new ModelProto { IrVersion = 7, ProducerName = "pytorch", ProducerVersion = "1.13.1", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(onnx, model.ToByteArray());
        ModelBundleFolder.Write(folder, onnx, new BundleManifest
        {
            Architecture = "torchvision-style-mobilenetv2-block",
            InputShape = [-1, 3, Size, Size],
            InputName = "input.1",
            OutputName = "output",
            ChannelOrder = ChannelOrder.Rgb,
            ResizePolicy = ResizePolicy.Stretch,
            Mean = [0.485f, 0.456f, 0.406f],
            Std = [0.229f, 0.224f, 0.225f],
            Labels = [.. Enumerable.Range(0, Classes).Select(i => $"class{i}")],
        });
        return folder;
    }

    private static float[] Rand(Random rng, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static float[] Shift(float[] a, float by)
    {
        for (int i = 0; i < a.Length; i++) a[i] += by;
        return a;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static ValueInfoProto Value(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = (int)d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
