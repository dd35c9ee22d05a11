using System.Globalization;
using EdgeToolkit.ModelBundle;
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
    public QuantizationResult Quantize(ModelProto floatModel, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress = null) =>
        Quantize(floatModel, calibrationData, heldOut: [], progress);

    /// <summary>
    /// Quantizes <paramref name="floatModel"/> (not modified) using <paramref name="calibrationData"/> (enumerated
    /// more than once when layers are measured); <paramref name="heldOut"/> are the labelled images
    /// <see cref="QuantizationOptions.MaxAccuracyDrop"/> measures top-1 on (images not used for calibration).
    /// </summary>
    public QuantizationResult Quantize(ModelProto floatModel, IEnumerable<CalibrationBatch> calibrationData, IReadOnlyList<LabeledBatch> heldOut, IProgress<CalibrationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(calibrationData);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (Options.MaxAccuracyDrop is not null && heldOut.Count == 0)
            throw new QuantizationException("MaxAccuracyDrop: no held-out labelled images were given to measure top-1 on");
        var prepared = floatModel.Clone();
        var preparation = ModelPreparation.Prepare(prepared);
        var choice = ActivationTypeChoice.For(Options.Target, Options.ActivationType);
        var options = Options with
        {
            ActivationType = choice.ActivationType,
            FloatLayers = FloatLayerNames.Resolve(Options.FloatLayers),
            ReduceWeightRange = WeightRange.ReducedFor(Options.ReduceWeightRange, choice.Target),
        };
        if (options.EqualizeLayers) CrossLayerEqualization.Apply(prepared.Graph);
        // After preparation and equalization, before calibration: the padded graph is the float reference of every
        // measurement below (SQNR, bias correction, held-out top-1), and it computes the same function.
        var padded = InputChannelPadding.Resolve(options.PadInputChannels, choice.Target)
            ? InputChannelPadding.Apply(prepared.Graph, FloatConvs(prepared.Graph, options))
            : [];
        var padReasons = padded.ToDictionary(p => p.Pad, _ => InputChannelPadding.Reason);
        var ranges = new Dictionary<string, TensorRange>();
        CalibrationChoice? calibration = null;
        ModelProto model;
        QdqPlan plan;
        LayerErrorMeter? errors;
        if (options.Method == CalibrationMethod.Auto)
            (options, calibration, model, plan, errors) = ChooseCalibration(prepared, options, padReasons, ranges, calibrationData, progress);
        else
        {
            (model, plan) = PlanCalibrateRewrite(prepared, options, padReasons, ranges, calibrationData, progress);
            errors = Measure(prepared, model, plan, calibrationData);
        }
        int biasCorrected = 0;
        var source = prepared;
        if (options.CorrectBias)
        {
            source = prepared.Clone();
            biasCorrected = BiasCorrection.Apply(source, errors!.ChannelMeanError);
            (model, plan) = PlanCalibrateRewrite(source, options, padReasons, ranges, calibrationData, progress);
            errors = Measure(prepared, model, plan, calibrationData);
        }
        AccuracyFallback? fallback = null;
        if (options.MaxAccuracyDrop is { } maxDrop)
            (model, plan, errors, fallback) = KeepWorstLayersFloat(prepared, source, model, plan, errors!, maxDrop, options, padReasons, ranges, calibrationData, heldOut);
        // Last, after every measurement (the layer meter pairs a node's input DequantizeLinear with its QuantizeLinear).
        var moved = QuantizedPads.RunOnCodes(model.Graph, padReasons.Keys.ToHashSet());
        var fusion = FusionReport.Analyze(model, plan, choice);
        var used = UsedRanges(ranges, plan.CalibratedTensors, moved);
        string? inputGrid = DescribeInputGrid(InputChannelPadding.PixelTensors(model.Graph, padReasons.Keys), used, options);
        return new QuantizationResult(model, used, plan.QuantizedNodes, plan.FloatNodes)
        {
            Preparation = preparation,
            ActivationChoice = choice,
            Calibration = calibration,
            Fusion = fusion,
            LayerSqnr = errors?.Sqnr,
            BiasCorrectedLayers = biasCorrected,
            AccuracyFallback = fallback,
            FloatLayers = options.FloatLayers,
            ReducedWeightRange = options.ReduceWeightRange,
            InputQuantization = inputGrid,
            PaddedInputChannels = padded.Select(p => $"{p.Conv}: {p.From} -> {p.To}").ToList(),
        };
    }

    /// <summary>
    /// The ranges of the tensors the final model quantizes, by their names in it: a range calibrated on the stem's
    /// zero-padded input (<see cref="InputChannelPadding"/>) is the graph input's once its Pad runs on codes
    /// (<paramref name="moved"/>, from <see cref="QuantizedPads.RunOnCodes"/>), and the padded tensor is gone.
    /// </summary>
    private static Dictionary<string, TensorRange> UsedRanges(Dictionary<string, TensorRange> ranges, IEnumerable<string> calibrated, IReadOnlyDictionary<string, string> moved)
    {
        var used = new Dictionary<string, TensorRange>();
        foreach (string tensor in calibrated.Distinct().Where(ranges.ContainsKey))
            used[tensor] = ranges[tensor];
        foreach (var (padded, input) in moved)
        {
            // Should the graph input also have a QuantizeLinear of its own (another consumer), both ranges keep their names.
            if (!used.Remove(padded, out var range)) continue;
            if (!used.TryAdd(input, range)) used[padded] = range;
        }
        return used;
    }

    /// <summary>The graph input's scale and zero point and which calibrated ends the grid holds exactly, for the report.</summary>
    private static string? DescribeInputGrid(HashSet<string> pixelTensors, Dictionary<string, TensorRange> used, QuantizationOptions options)
    {
        // The graph input, or the stem's zero-padded copy of it where its Pad stayed on floats, whichever is quantized.
        string input = pixelTensors.Order(StringComparer.Ordinal).FirstOrDefault(used.ContainsKey) ?? "";
        if (!used.TryGetValue(input, out var range)) return null;
        var (scale, zeroPoint) = QdqRewriter.ActivationParameters(range, options.ActivationType, options.SymmetricActivations);
        float min = (options.ActivationType == QuantizedActivationType.Int8 ? -128 - zeroPoint : -zeroPoint) * scale;
        double tolerance = 1e-3 * scale, max = min + 255.0 * scale;
        bool Exact(float value) => Math.Abs(Math.Round(value / (double)scale) * scale - value) <= tolerance && value >= min - tolerance && value <= max + tolerance;
        string ends = (Exact(range.Min), Exact(range.Max)) switch
        {
            (true, true) => "both ends exact",
            (true, false) => "min exact",
            (false, true) => "max exact",
            _ => "ends between grid points",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"input '{input}' {range.Min:G6}..{range.Max:G6}: scale {scale:G6} (1/{1 / scale:0.###}), zero point {zeroPoint}, {ends}");
    }

    /// <summary>plan -> calibrate (the tensors not yet in <paramref name="ranges"/>) -> rewrite, on a copy of <paramref name="source"/>.</summary>
    private (ModelProto Model, QdqPlan Plan) PlanCalibrateRewrite(ModelProto source, QuantizationOptions options, IReadOnlyDictionary<string, string>? keptFloat,
        Dictionary<string, TensorRange> ranges, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress)
    {
        var model = source.Clone();
        var plan = QdqPlan.Create(model.Graph, options, keptFloat);
        var missing = plan.CalibratedTensors.Where(t => !ranges.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            var collectors = ActivationCalibrator.Collect(source, missing, calibrationData, options, progress);
            // The graph input's range is set by preprocessing (normalised pixels): clipping it only loses
            // information, and its few repeated values (background) defeat histogram methods, so it is min/max.
            // A graph input padded with zero channels (InputChannelPadding) is still the preprocessed pixels.
            var graphInputs = InputChannelPadding.PixelTensors(source.Graph, keptFloat?.Keys ?? []);
            foreach (var (name, collector) in collectors)
            {
                if (!graphInputs.Contains(name))
                {
                    ranges[name] = collector.ComputeRange(options.Method, options.Percentile, EntropyLevels(collector));
                    continue;
                }
                // Its min and max are real pixel values, repeated over backgrounds and padding: a grid that misses them
                // shifts all those pixels alike (QdqRewriter.ExactEndParameters says why and what it cost).
                var range = collector.ComputeRange(CalibrationMethod.MinMax);
                ranges[name] = options.ExactInputEnds ? range with { ExactEnd = collector.MaxCount > collector.MinCount ? RangeEnd.Max : RangeEnd.Min } : range;
            }
        }
        QdqRewriter.Apply(model, plan, ranges, options);
        model.ProducerName = "EdgeToolkit.QdqQuantizer";
        return (model, plan);
    }

    /// <summary>
    /// <see cref="CalibrationMethod.Auto"/>: each of <see cref="CalibrationChoice.Candidates"/> calibrated and its model
    /// measured against float; the kept method's model, plan and measurement are returned, <paramref name="ranges"/> receives
    /// its ranges (so a later rewrite, for bias correction or the accuracy fallback, calibrates nothing again) and the
    /// options name that method. Costs one more calibration (min/max: no histograms) and one more SQNR measurement than a
    /// single method.
    /// </summary>
    private (QuantizationOptions, CalibrationChoice, ModelProto, QdqPlan, LayerErrorMeter) ChooseCalibration(ModelProto prepared, QuantizationOptions options, IReadOnlyDictionary<string, string> keptFloat,
        Dictionary<string, TensorRange> ranges, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress)
    {
        var tried = new List<(CalibrationMethod Method, Dictionary<string, TensorRange> Ranges, ModelProto Model, QdqPlan Plan, LayerErrorMeter Errors, string Layer, double Db)>();
        foreach (var method in CalibrationChoice.Candidates)
        {
            var candidate = new Dictionary<string, TensorRange>();
            var (model, plan) = PlanCalibrateRewrite(prepared, options with { Method = method }, keptFloat, candidate, calibrationData, progress);
            var errors = Measure(prepared, model, plan, calibrationData)!;
            var sqnr = errors.Sqnr;
            // The last layer in the float graph's order that was measured: the nearest to the logits.
            var last = prepared.Graph.Node.Reverse().FirstOrDefault(n => sqnr.ContainsKey(n.Name))
                ?? throw new QuantizationException("Method auto: no quantized layer was measured to compare the calibration methods on");
            tried.Add((method, candidate, model, plan, errors, last.Name, sqnr[last.Name].Db));
        }
        var best = tried.MaxBy(t => t.Db); // the first of equals: the candidates' order breaks a tie
        foreach (var (tensor, range) in best.Ranges) ranges[tensor] = range;
        return (options with { Method = best.Method },
            new CalibrationChoice(best.Method, best.Layer, tried.Select(t => KeyValuePair.Create(t.Method, t.Db)).ToList()),
            best.Model, best.Plan, best.Errors);
    }

    /// <summary>The Convs the plan will keep float by name or position (the same rules as <see cref="QdqPlan.Create"/>).</summary>
    private static HashSet<string> FloatConvs(GraphProto graph, QuantizationOptions options)
    {
        var names = options.ExcludedNodes.ToHashSet();
        if (options.FloatLayers.HasFlag(FloatLayers.FirstConv) && graph.Node.FirstOrDefault(n => n.OpType == "Conv") is { } stem) names.Add(stem.Name);
        return names;
    }

    private LayerErrorMeter? Measure(ModelProto prepared, ModelProto quantized, QdqPlan plan, IEnumerable<CalibrationBatch> calibrationData) =>
        Options.SqnrSamples == 0 ? null : LayerErrorMeter.Measure(prepared, quantized, plan, calibrationData, Math.Min(Options.SqnrSamples, Options.CalibrationCount),
            throughModel: Options.MaxAccuracyDrop is not null);

    /// <summary>
    /// The accuracy-aware fallback: while the int8 model loses more than <paramref name="maxDrop"/> top-1 points
    /// on <paramref name="heldOut"/>, keep the quantized layer with the next-lowest output SQNR alone
    /// (<see cref="LayerSqnr.OutputDb"/>, on the first <see cref="QuantizationOptions.SqnrSamples"/> held-out images) in float.
    /// </summary>
    private (ModelProto, QdqPlan, LayerErrorMeter, AccuracyFallback) KeepWorstLayersFloat(ModelProto prepared, ModelProto source, ModelProto model, QdqPlan plan,
        LayerErrorMeter errors, double maxDrop, QuantizationOptions options, IReadOnlyDictionary<string, string> padReasons, Dictionary<string, TensorRange> ranges,
        IEnumerable<CalibrationBatch> calibrationData, IReadOnlyList<LabeledBatch> heldOut)
    {
        double fp32 = HeldOutAccuracy.Top1(prepared, heldOut);
        double first = HeldOutAccuracy.Top1(model, heldOut), int8 = first;
        // Why the output SQNR with only this layer quantized, not the layer's own (isolated) SQNR: what costs top-1 is the
        // error a layer adds to the logits, and the layers after it can amplify a small error. On issue 17's seed-2
        // MobileNetV2 the stem's isolated SQNR was the best of all (42 dB), yet the first depthwise after it took the
        // accumulated SQNR to 26 dB and keeping only the stem float recovered 5.3 of 5.7 points; ranked by isolated
        // SQNR the stem came last and 61 layers went float. Not the drop of the accumulated SQNR across a layer either:
        // that drop lands on the layer that amplifies (the depthwise, isolated 42 dB), and keeping it float does not
        // remove an error already in its input. The meter already builds each layer's isolated replica in its one
        // session; carrying that output through a copy of the float layers after it costs one extra partial forward
        // pass per layer on the SQNR samples, no more sessions.
        // Measured on the first SqnrSamples held-out images, not the calibration samples: an image calibration did not
        // see shows the clipping of activations outside the calibrated ranges, which the calibration samples cannot
        // (ranked on one calibration image, QuantizeMaxDropTests' model kept 28 of 29 layers float and still missed 0.5).
        List<KeyValuePair<string, LayerSqnr>>? ranked = null;
        var keptFloat = new Dictionary<string, string>(padReasons);
        var order = new List<string>();
        var orderDb = new List<double>();
        int images = heldOut.Sum(b => b.Labels.Length);
        while (100 * (fp32 - int8) > maxDrop)
        {
            ranked ??= LayerErrorMeter.Measure(prepared, model, plan, heldOut.Select(b => new CalibrationBatch(b.Data, b.Shape)),
                    Math.Min(options.SqnrSamples, heldOut.Sum(b => b.Labels.Length)), throughModel: true)
                .Sqnr.OrderBy(l => l.Value.OutputDb).ThenBy(l => l.Key, StringComparer.Ordinal).ToList();
            if (order.Count + 1 >= ranked.Count)
                throw new QuantizationException(string.Create(CultureInfo.InvariantCulture,
                    $"MaxAccuracyDrop {maxDrop:0.##}: not reachable: with {order.Count} of the {ranked.Count} measured layers in float, int8 top-1 is {100 * int8:F2} % against fp32 {100 * fp32:F2} % " +
                    $"on {images} held-out images ({100 * (fp32 - int8):F2} points lost); meeting it would leave no layer quantized. Raise the limit or improve calibration (--method, --calibration, --equalize)."));
            var (layer, sqnr) = ranked[order.Count];
            order.Add(layer);
            keptFloat[layer] = AccuracyFallback.FloatReason;
            orderDb.Add(sqnr.OutputDb!.Value);
            (model, plan) = PlanCalibrateRewrite(source, options, keptFloat, ranges, calibrationData, null);
            int8 = HeldOutAccuracy.Top1(model, heldOut);
        }
        if (order.Count > 0) errors = Measure(prepared, model, plan, calibrationData)!;
        return (model, plan, errors, new AccuracyFallback(maxDrop, images, fp32, first, int8, order, orderDb));
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
    public QuantizationResult QuantizeFile(string inputPath, string outputPath, IEnumerable<CalibrationBatch> calibrationData, IProgress<CalibrationProgress>? progress = null) =>
        QuantizeFile(inputPath, outputPath, calibrationData, [], progress);

    /// <summary>As <see cref="QuantizeFile(string, string, IEnumerable{CalibrationBatch}, IProgress{CalibrationProgress})"/>, with held-out labelled images for <see cref="QuantizationOptions.MaxAccuracyDrop"/>.</summary>
    public QuantizationResult QuantizeFile(string inputPath, string outputPath, IEnumerable<CalibrationBatch> calibrationData, IReadOnlyList<LabeledBatch> heldOut, IProgress<CalibrationProgress>? progress = null)
    {
        var result = Quantize(ReadModel(inputPath), calibrationData, heldOut, progress);
        AtomicFile.WriteAllBytes(outputPath, result.Model.ToByteArray());
        return result;
    }

    /// <summary>Parses an ONNX file; throws <see cref="QuantizationException"/> naming the file when it is not a readable model.</summary>
    public static ModelProto ReadModel(string path)
    {
        if (!File.Exists(path)) throw new QuantizationException($"{path}: ONNX model file not found");
        try
        {
            var model = ModelProto.Parser.ParseFrom(BoundedFile.ReadAllBytes(path, ModelBundleFolder.MaxModelBytes));
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new QuantizationException($"{path}: not an ONNX model (no graph nodes)");
            return model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new QuantizationException($"{path}: not a valid ONNX protobuf: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new QuantizationException(e.Message, e);
        }
    }
}
