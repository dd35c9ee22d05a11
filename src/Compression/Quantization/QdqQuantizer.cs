using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Static post-training INT8 quantization of a float ONNX model into QDQ format, the C# counterpart
/// of ONNX Runtime's Python <c>quantize_static(..., quant_format=QDQ)</c>: calibrate activation
/// ranges through ONNX Runtime, then insert QuantizeLinear/DequantizeLinear pairs placed so that
/// ONNX Runtime fuses them into QLinearConv, QLinearAdd, QLinearConcat, QLinearGlobalAveragePool
/// and QGemm. Works on any float CNN classifier with one image input. Design: docs/quantization.md.
/// </summary>
public sealed class QdqQuantizer
{
    /// <summary>Creates a quantizer; the options are validated here.</summary>
    public QdqQuantizer(QuantizationOptions? options = null)
    {
        Options = (options ?? QuantizationOptions.Default).Validate();
    }

    /// <summary>The validated settings.</summary>
    public QuantizationOptions Options { get; }

    /// <summary>Quantizes <paramref name="floatModel"/> (not modified) using <paramref name="calibrationData"/>.</summary>
    public QuantizationResult Quantize(ModelProto floatModel, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress = null)
    {
        var model = floatModel.Clone();
        var preparation = ModelPreparation.Prepare(model);
        var choice = ActivationTypeChoice.For(Options.Target, Options.ActivationType);
        var options = Options with { ActivationType = choice.ActivationType };
        if (options.EqualizeLayers) CrossLayerEqualization.Apply(model.Graph);
        var plan = QdqPlan.Create(model.Graph, options);
        var collectors = ActivationCalibrator.Collect(model, plan.CalibratedTensors, calibrationData, options, progress);
        // The graph input's range is set by preprocessing (normalised pixels): clipping it only loses
        // information, and its few repeated values (background) defeat histogram methods, so it is min/max.
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet();
        var ranges = collectors.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.ComputeRange(graphInputs.Contains(kv.Key) ? CalibrationMethod.MinMax : options.Method, options.Percentile, EntropyLevels(kv.Value)));
        QdqRewriter.Apply(model, plan, ranges, options);
        model.ProducerName = "EdgeToolkit.QdqQuantizer";
        var fusion = FusionReport.Analyze(model, plan, choice);
        return new QuantizationResult(model, ranges, plan.QuantizedNodes, plan.FloatNodes) { Preparation = preparation, ActivationChoice = choice, Fusion = fusion };
    }

    /// <summary>
    /// The float model as the quantizer sees it (not modified): opset raised, Constant nodes as
    /// initializers, Identity removed, constants folded, shapes inferred, BatchNormalization folded,
    /// Flatten/ReduceMean rewritten for integer kernels. Runs the same function as the input.
    /// </summary>
    public static ModelProto Prepare(ModelProto floatModel, out GraphPreparation preparation)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        var model = floatModel.Clone();
        preparation = ModelPreparation.Prepare(model);
        return model;
    }

    /// <summary>
    /// Levels the entropy method simulates on [0, T]: a non-negative tensor with asymmetric activations
    /// uses all 2^8 levels there (zero point at the type's minimum), otherwise half of them.
    /// </summary>
    private int EntropyLevels(TensorRangeCollector collector) =>
        collector.Min >= 0 && !Options.SymmetricActivations ? 2 * Options.EntropyQuantizedBins : Options.EntropyQuantizedBins;

    /// <summary>Reads the float model at <paramref name="inputPath"/>, quantizes it and writes the QDQ model to <paramref name="outputPath"/>.</summary>
    public QuantizationResult QuantizeFile(string inputPath, string outputPath, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress = null)
    {
        var result = Quantize(ReadModel(inputPath), calibrationData, progress);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllBytes(outputPath, result.Model.ToByteArray());
        return result;
    }

    /// <summary>Parses an ONNX file; throws <see cref="QuantizationException"/> naming the file when it is not a readable model.</summary>
    public static ModelProto ReadModel(string path)
    {
        if (!File.Exists(path)) throw new QuantizationException($"{path}: ONNX model file not found");
        try
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new QuantizationException($"{path}: not an ONNX model (no graph nodes)");
            return model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new QuantizationException($"{path}: not a valid ONNX protobuf: {e.Message}", e);
        }
    }
}
