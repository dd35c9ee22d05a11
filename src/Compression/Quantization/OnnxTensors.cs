using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>Reads and creates ONNX <see cref="TensorProto"/> initializers and node attributes.</summary>
internal static class OnnxTensors
{
    public const int FloatType = (int)TensorProto.Types.DataType.Float;
    public const int Int8Type = (int)TensorProto.Types.DataType.Int8;
    public const int UInt8Type = (int)TensorProto.Types.DataType.Uint8;
    public const int Int32Type = (int)TensorProto.Types.DataType.Int32;
    public const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (long d in t.Dims) n *= d;
        return n;
    }

    /// <summary>The float values of an initializer (raw_data or float_data).</summary>
    public static float[] ReadFloats(TensorProto t)
    {
        if (t.DataType != FloatType)
            throw new QuantizationException($"initializer '{t.Name}': expected float data, found ONNX data type {t.DataType}");
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new QuantizationException($"initializer '{t.Name}': external data is not supported; save the model with its weights inside the .onnx file");
        long n = ElementCount(t);
        float[] values = !t.RawData.IsEmpty
            ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray()
            : t.FloatData.ToArray();
        if (values.LongLength != n)
            throw new QuantizationException($"initializer '{t.Name}': {values.LongLength} values for dims [{string.Join(", ", t.Dims)}] (expected {n})");
        return values;
    }

    public static TensorProto Create<T>(string name, int dataType, ReadOnlySpan<T> values, params long[] dims) where T : unmanaged
    {
        var t = new TensorProto { Name = name, DataType = dataType };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return t;
    }

    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static long IntAttribute(NodeProto node, string name, long fallback) => Attribute(node, name) is { } a ? a.I : fallback;

    public static float FloatAttribute(NodeProto node, string name, float fallback) => Attribute(node, name) is { } a ? a.F : fallback;

    public static AttributeProto IntAttr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static NodeProto Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }
}
