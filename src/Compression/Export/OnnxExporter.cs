using System.Globalization;
using System.Reflection;
using System.Text.Json;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Export;

/// <summary>
/// Writes a TorchSharp classifier (ResNet, DenseNet-BC, MobileNet v1, or a Sequential of supported
/// layers) as an ONNX model: input <c>input</c> (NCHW float, dynamic batch <c>batch</c>), output
/// <c>logits</c>, BatchNorm folded into the preceding convolution, initializers named after the
/// state-dict keys, and the model spec in <c>metadata_props</c> (<see cref="OnnxMetadataKeys"/>).
/// </summary>
public sealed class OnnxExporter
{
    /// <summary>Name of the graph input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph output (the logits).</summary>
    public const string OutputName = "logits";

    /// <summary>Creates an exporter.</summary>
    public OnnxExporter(OnnxExportOptions? options = null)
    {
        Options = options ?? new OnnxExportOptions();
        Options.Validate();
    }

    /// <summary>The settings in use.</summary>
    public OnnxExportOptions Options { get; }

    /// <summary>Translates <paramref name="model"/> (eval-mode semantics) into an ONNX model; the model is not changed.</summary>
    /// <exception cref="OnnxExportException">A module cannot be translated; the message names its path and type.</exception>
    public ModelProto Export(nn.Module<Tensor, Tensor> model, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        var builder = new OnnxGraphBuilder();
        builder.UniqueName(InputName);
        builder.UniqueName(OutputName);
        var emitter = new ModuleGraphEmitter(builder, Options, model);
        bool flip = Options.TestTimeAugmentation == TestTimeAugmentation.Flip;
        string output = emitter.Emit(model, flip ? MirroredBatch(builder) : InputName);
        if (flip)
            output = MeanOfPairs(builder, output, spec.NumClasses);
        if (output == InputName)
            output = builder.AddNode("Identity", "identity", [InputName], "identity");
        builder.RenameValueToReserved(output, OutputName);

        var graph = builder.Graph;
        graph.Input.Add(TensorValue(InputName, spec.InputChannels, spec.InputSize, spec.InputSize));
        graph.Output.Add(TensorValue(OutputName, spec.NumClasses));

        var proto = new ModelProto
        {
            IrVersion = Options.Opset >= 17 ? 8 : 7,
            ProducerName = "EdgeToolkit",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Graph = graph,
            DocString = $"{spec.Architecture} exported by EdgeToolkit",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Options.Opset });
        AddMetadata(proto, OnnxMetadataKeys.Architecture, spec.Architecture);
        AddMetadata(proto, OnnxMetadataKeys.Alpha, spec.Alpha.ToString("R", CultureInfo.InvariantCulture));
        AddMetadata(proto, OnnxMetadataKeys.InputSize, spec.InputSize.ToString(CultureInfo.InvariantCulture));
        AddMetadata(proto, OnnxMetadataKeys.InputChannels, spec.InputChannels.ToString(CultureInfo.InvariantCulture));
        AddMetadata(proto, OnnxMetadataKeys.Mean, JsonSerializer.Serialize(spec.Mean));
        AddMetadata(proto, OnnxMetadataKeys.Std, JsonSerializer.Serialize(spec.Std));
        AddMetadata(proto, OnnxMetadataKeys.Labels, JsonSerializer.Serialize(spec.Labels));
        if (flip)
            AddMetadata(proto, OnnxMetadataKeys.TestTimeAugmentation, KebabCase.Name(Options.TestTimeAugmentation));
        return proto;
    }

    // Test-time flip, as FlipAveraged computes it: the N images and their mirrors (Slice along the width with step -1)
    // go through the network as one batch of 2N, so the device makes one call per frame.
    private static string MirroredBatch(OnnxGraphBuilder builder)
    {
        string mirrored = builder.AddNode("Slice", "tta.mirror",
            [InputName, builder.AddInt64("tta.starts", -1), builder.AddInt64("tta.ends", long.MinValue), builder.AddInt64("tta.axes", 3), builder.AddInt64("tta.steps", -1)],
            "tta.mirrored");
        return builder.AddNode("Concat", "tta.batch", [InputName, mirrored], "tta.both", OnnxGraphBuilder.Int("axis", 0));
    }

    // The 2N logits back to N: [2, N, classes], the mean over the first axis (ReduceMean's axes is an attribute up to opset 17).
    private static string MeanOfPairs(OnnxGraphBuilder builder, string logits, int classes)
    {
        string pairs = builder.AddNode("Reshape", "tta.pairs", [logits, builder.AddInt64("tta.shape", 2, -1, classes)], "tta.pairs");
        return builder.AddNode("ReduceMean", "tta.mean", [pairs], "tta.mean", OnnxGraphBuilder.Ints("axes", 0), OnnxGraphBuilder.Int("keepdims", 0));
    }

    /// <summary>
    /// Exports, verifies the model in ONNX Runtime against the TorchSharp model in eval mode on random
    /// inputs and on <paramref name="realInputs"/> (preprocessed NCHW float, optional), and writes it to
    /// <paramref name="onnxPath"/> only when every check passes. The model's training flag is restored.
    /// </summary>
    /// <exception cref="OnnxExportException">Translation failed, or a check exceeded the tolerance or changed a prediction.</exception>
    public OnnxExportResult ExportAndVerify(nn.Module<Tensor, Tensor> model, ModelSpec spec, string onnxPath, Tensor? realInputs = null)
    {
        var proto = Export(model, spec);
        byte[] bytes = proto.ToByteArray();
        var checks = new List<ExportVerification>();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = new InferenceSession(bytes, sessionOptions);
            // The graph is checked against what it claims to compute: with test-time flip, the flip-averaged view.
            using var reference = Options.TestTimeAugmentation == TestTimeAugmentation.None ? null : FlipAveraged.Apply(model, Options.TestTimeAugmentation);
            var expected = reference ?? model;
            using (var scope = torch.NewDisposeScope())
            {
                using var generator = new torch.Generator((ulong)Options.Seed);
                var random = torch.randn([Options.RandomVerificationImages, spec.InputChannels, spec.InputSize, spec.InputSize], generator: generator);
                checks.Add(OnnxVerifier.Compare(expected, session, random, "random", Options.Tolerance, Options.RelativeTolerance));
            }
            if (realInputs is not null)
                checks.Add(OnnxVerifier.Compare(expected, session, realInputs, "real", Options.Tolerance, Options.RelativeTolerance));
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var failed = checks.Where(c => !c.Passed).ToList();
        if (failed.Count > 0)
            throw new OnnxExportException($"{onnxPath}: the exported {spec.Architecture} does not reproduce the TorchSharp model: {string.Join("; ", failed)}");
        AtomicFile.WriteAllBytes(onnxPath, bytes);
        return new OnnxExportResult(onnxPath, checks);
    }

    private static void AddMetadata(ModelProto proto, string key, string value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    /// <summary>A float tensor value with a dynamic first dimension named <c>batch</c>.</summary>
    internal static ValueInfoProto TensorValue(string name, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
