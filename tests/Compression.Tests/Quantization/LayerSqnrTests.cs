using System.Text.Json.Nodes;
using EdgeToolkit.Compression.Quantization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>Per-layer SQNR, bias correction and the accuracy-aware fallback of <see cref="QdqQuantizer"/>.</summary>
public class LayerSqnrTests
{
    private const int Size = 16;

    private static float[] Concatenate(IEnumerable<CalibrationBatch> batches) => batches.SelectMany(b => b.Data).ToArray();

    private static double Sqnr(float[] reference, float[] other)
    {
        double signal = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += ((double)reference[i] - other[i]) * ((double)reference[i] - other[i]);
        }
        return 10 * Math.Log10(signal / noise);
    }

    [Fact]
    public void EveryQuantizedLayer_HasAnSqnr_AndTheLogitsFigureMatchesAnIndependentOrtRun()
    {
        var model = TinyOnnxModels.Chain();
        var options = new QuantizationOptions { FloatLayers = FloatLayers.None, CalibrationCount = 32, SqnrSamples = 32 };
        // MaxAccuracyDrop (100: never acted on) also measures the model output with one layer quantized (OutputDb).
        float[] input = Concatenate(QdqQuantizerTests.Calibration(32));
        long[] shape = [32, 3, Size, Size];
        var result = new QdqQuantizer(options with { MaxAccuracyDrop = 100 }).Quantize(model, QdqQuantizerTests.Calibration(32), [new LabeledBatch(input, shape, new long[32])]);

        var sqnr = result.LayerSqnr!;
        string[] layers = ["conv0", "conv1_dw", "conv1_pw", "conv2_dw", "conv2_pw", "gap", "classifier"];
        Assert.Equal(layers.Order(), sqnr.Keys.Order());
        Assert.All(sqnr.Values, s => Assert.InRange(s.Db, 10, 80));
        // The first layer sees the same quantized input either way; later layers carry the error of earlier ones.
        Assert.Equal(sqnr["conv0"].Db, sqnr["conv0"].IsolatedDb, 6);
        Assert.True(sqnr["conv2_pw"].IsolatedDb > sqnr["conv2_pw"].Db, $"{sqnr["conv2_pw"]}");

        // The logits (the classifier's output, kept float) of the two models run separately in ONNX Runtime
        // on the same 32 calibration samples, with the QDQ arithmetic unfused: the same SQNR.
        float[] f = OrtTestRunner.Run(model, input, shape, GraphOptimizationLevel.ORT_DISABLE_ALL);
        float[] q = OrtTestRunner.Run(result.Model, input, shape, GraphOptimizationLevel.ORT_DISABLE_ALL);
        Assert.Equal(Sqnr(f, q), sqnr["classifier"].Db, 2);

        // The model output with only one layer quantized (what --max-drop ranks by): a model quantized with every other
        // layer excluded, run on its own, gives the same logits SQNR as the meter's downstream replica of conv0.
        var conv0Only = new QdqQuantizer(options with { ExcludedNodes = layers.Where(l => l != "conv0").ToList() }).Quantize(model, QdqQuantizerTests.Calibration(32));
        Assert.Equal(["conv0"], conv0Only.QuantizedNodes.Where(n => layers.Contains(n)));
        float[] q0 = OrtTestRunner.Run(conv0Only.Model, input, shape, GraphOptimizationLevel.ORT_DISABLE_ALL);
        Assert.Equal(Sqnr(f, q0), sqnr["conv0"].OutputDb!.Value, 2);
        Assert.Null(conv0Only.LayerSqnr!["conv0"].OutputDb); // measured only for --max-drop
        // The last layer's output is the model's: there both figures are the same.
        Assert.Equal(sqnr["classifier"].IsolatedDb, sqnr["classifier"].OutputDb!.Value, 6);

        // Layers the int8 kernels actually run are reported; float layers have none.
        var report = QuantizationReportWriter.ToJson(result)["layers"]!.AsArray();
        var conv0 = report.Single(l => (string)l!["name"]! == "conv0")!;
        Assert.Equal(Math.Round(sqnr["conv0"].Db, 2), (double)conv0["sqnrDb"]!);
        Assert.All(report.Where(l => (bool)l!["float"]!), l => Assert.Null(l!["sqnrDb"]));
    }

    [Fact]
    public void ExcludedMiddleConv_StaysFloat_ThoughOrtQuantizesFloatWeightsBetweenDqAndQ()
    {
        // ONNX Runtime's WeightBiasQuantization gives per-tensor int8 weights to a float Conv between a
        // DequantizeLinear and a QuantizeLinear; the kept-float layer's input DQ is per channel so it does not.
        var result = new QdqQuantizer(new QuantizationOptions { FloatLayers = FloatLayers.None, CalibrationCount = 16, ExcludedNodes = ["conv1_pw"] })
            .Quantize(TinyOnnxModels.Chain(), QdqQuantizerTests.Calibration(16));
        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.Equal(4, OrtTestRunner.Count(optimized, "QLinearConv"));
        Assert.Equal(1, OrtTestRunner.Count(optimized, "Conv") + OrtTestRunner.Count(optimized, "FusedConv"));
        var layer = result.Fusion!.Layers.Single(l => l.Name == "conv1_pw");
        Assert.True(layer.Float, layer.RunsAs);
        Assert.Equal("excluded by name", layer.Reason);
        Assert.False(result.LayerSqnr!.ContainsKey("conv1_pw"));
    }

    [Fact]
    public void SqnrSamples0_SkipsTheMeasurement_AndTheReportSaysNull()
    {
        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16, SqnrSamples = 0 }).Quantize(TinyOnnxModels.Chain(), QdqQuantizerTests.Calibration(16));
        Assert.Null(result.LayerSqnr);
        Assert.All(QuantizationReportWriter.ToJson(result)["layers"]!.AsArray(), l => Assert.Null(l!["sqnrDb"]));
    }

    [Fact]
    public void BiasCorrection_CancelsTheMeanErrorOfCoarseWeights()
    {
        // 7-bit per-tensor weights leave a visible mean error per output channel; the correction removes most of it.
        var model = TinyOnnxModels.Chain(channels: 16);
        var coarse = new QuantizationOptions { FloatLayers = FloatLayers.None, CalibrationCount = 64, PerChannel = false, ReduceWeightRange = true };
        var plain = new QdqQuantizer(coarse).Quantize(model, QdqQuantizerTests.Calibration(64));
        var corrected = new QdqQuantizer(coarse with { CorrectBias = true }).Quantize(model, QdqQuantizerTests.Calibration(64));

        Assert.Equal(0, plain.BiasCorrectedLayers);
        Assert.Equal(6, corrected.BiasCorrectedLayers); // 5 convs + the classifier, all with a bias
        Assert.Equal(6, (int)QuantizationReportWriter.ToJson(corrected)["biasCorrectedLayers"]!);

        // Mean logit error per class on held-out inputs (not the calibration samples), run by ONNX Runtime as deployed.
        float[] input = TinyOnnxModels.RandomInputs(256, Size, seed: 4242);
        long[] shape = [256, 3, Size, Size];
        float[] f = OrtTestRunner.Run(model, input, shape);
        double MeanAbsBias(ModelProto m)
        {
            float[] q = OrtTestRunner.Run(m, input, shape);
            var bias = new double[10];
            for (int i = 0; i < f.Length; i++) bias[i % 10] += (f[i] - q[i]) / 256.0;
            return bias.Average(Math.Abs);
        }
        double before = MeanAbsBias(plain.Model), after = MeanAbsBias(corrected.Model);
        Assert.True(after < 0.5 * before, $"mean |logit bias| {before:G3} -> {after:G3}");
    }

    [Theory]
    [InlineData(0.0005, 40, CalibrationMethod.Percentile)] // a few outliers: min/max spends the grid on them (17.0 vs 10.7 dB here)
    [InlineData(0.002, 100, CalibrationMethod.MinMax)] // spikes frequent and strong enough to carry the signal: clipping them costs more (21.3 vs 23.2 dB)
    public void MethodAuto_KeepsTheMethodCloserToFloatAtTheLastLayer_AndQuantizesExactlyAsThatMethodDoes(double spikes, float spike, CalibrationMethod closer)
    {
        // Pixels mostly near 0 with rare large spikes: which method is closer to float depends on how much of the signal they carry.
        var model = TinyOnnxModels.Chain(channels: 16);
        var random = new Random(77);
        var batches = Enumerable.Range(0, 4).Select(b =>
        {
            float[] data = TinyOnnxModels.RandomInputs(16, Size, seed: 500 + b);
            for (int i = 0; i < data.Length; i++) data[i] = random.NextDouble() < spikes ? spike * data[i] : 0.05f * data[i];
            return new CalibrationBatch(data, [16, 3, Size, Size]);
        }).ToList();
        var options = new QuantizationOptions { CalibrationCount = 64, FloatLayers = FloatLayers.None };

        var auto = new QdqQuantizer(options with { Method = CalibrationMethod.Auto }).Quantize(model, batches);
        var percentile = new QdqQuantizer(options with { Method = CalibrationMethod.Percentile }).Quantize(model, batches);
        var minMax = new QdqQuantizer(options with { Method = CalibrationMethod.MinMax }).Quantize(model, batches);

        var choice = Assert.IsType<CalibrationChoice>(auto.Calibration);
        string last = model.Graph.Node.Reverse().First(n => percentile.LayerSqnr!.ContainsKey(n.Name)).Name;
        Assert.Equal(last, choice.LastLayer);
        Assert.Equal([CalibrationMethod.Percentile, CalibrationMethod.MinMax], choice.Db.Select(d => d.Key));
        Assert.Equal(percentile.LayerSqnr![last].Db, choice.Db[0].Value, 9);
        Assert.Equal(minMax.LayerSqnr![last].Db, choice.Db[1].Value, 9);
        var expected = choice.Db[1].Value > choice.Db[0].Value ? CalibrationMethod.MinMax : CalibrationMethod.Percentile;
        Assert.Equal(expected, choice.Chosen);
        Assert.Equal(closer, choice.Chosen);
        var chosen = choice.Chosen == CalibrationMethod.MinMax ? minMax : percentile;
        Assert.Equal(chosen.Model.ToByteArray(), auto.Model.ToByteArray());
        Assert.Equal(chosen.LayerSqnr!.Keys.Order(), auto.LayerSqnr!.Keys.Order());
        Assert.Null(percentile.Calibration);

        var json = QuantizationReportWriter.ToJson(auto)["calibration"]!;
        Assert.Equal(choice.Chosen == CalibrationMethod.MinMax ? "minmax" : "percentile", (string)json["chosen"]!);
        Assert.Equal(Math.Round(choice.Db[1].Value, 2), (double)json["sqnrDb"]!["minmax"]!);
        Assert.StartsWith("auto -> ", choice.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MethodAuto_WithoutSqnrSamples_IsRefusedNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantizationOptions { Method = CalibrationMethod.Auto, SqnrSamples = 0 }.Validate());
        Assert.Equal("SqnrSamples", e.ParamName);
        Assert.Contains("Method is Auto", e.Message, StringComparison.Ordinal);
    }

    /// <summary>x[4] -> Gemm -> 2 logits whose weight rows differ by 0.001 in one entry: int8 cannot tell the classes apart.</summary>
    private static ModelProto NearTie()
    {
        var graph = new GraphProto { Name = "near-tie" };
        float[] w = [1f, 0.5f, -0.3f, 0.2f, 1.001f, 0.5f, -0.3f, 0.2f];
        graph.Initializer.Add(Tensor("w", w, 2, 4));
        graph.Initializer.Add(Tensor("b", [0f, 0f], 2));
        graph.Input.Add(Value("input", 4));
        graph.Output.Add(Value("logits", 2));
        var gemm = new NodeProto { OpType = "Gemm", Name = "classifier" };
        gemm.Input.AddRange(["input", "w", "b"]);
        gemm.Output.Add("logits");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;

        static TensorProto Tensor(string name, float[] values, params long[] dims)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            t.FloatData.AddRange(values);
            return t;
        }

        static ValueInfoProto Value(string name, int features)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
        }
    }

    /// <summary>Gaussian inputs labelled with the float model's own prediction: float top-1 is 100 %.</summary>
    private static (CalibrationBatch[] Calibration, LabeledBatch[] HeldOut) NearTieData(ModelProto model)
    {
        float[] calibration = TinyOnnxModels.RandomInputs(64, 1, seed: 7, channels: 4);
        float[] held = TinyOnnxModels.RandomInputs(400, 1, seed: 8, channels: 4);
        float[] logits = OrtTestRunner.Run(model, held, [400, 4]);
        long[] labels = Enumerable.Range(0, 400).Select(i => logits[2 * i + 1] > logits[2 * i] ? 1L : 0L).ToArray();
        return ([new CalibrationBatch(calibration, [64, 4])], [new LabeledBatch(held, [400, 4], labels)]);
    }

    [Fact]
    public void MaxDrop_WithinTheLimit_KeepsEveryLayerQuantized_AndReportsTheMeasuredTop1()
    {
        var model = NearTie();
        var (calibration, heldOut) = NearTieData(model);
        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 64, MaxAccuracyDrop = 100 }).Quantize(model, calibration, heldOut);

        var fallback = result.AccuracyFallback!;
        Assert.Equal(400, fallback.Images);
        Assert.Equal(1.0, fallback.Fp32Top1);
        Assert.True(fallback.FirstInt8Top1 < 0.95, $"int8 top-1 {fallback.FirstInt8Top1}: the near tie should confuse int8");
        Assert.Equal(fallback.FirstInt8Top1, fallback.Int8Top1);
        Assert.Empty(fallback.FloatLayers);
        Assert.Equal(["classifier"], result.QuantizedNodes);
        var json = QuantizationReportWriter.ToJson(result)["accuracyFallback"]!;
        Assert.Equal(100.0, (double)json["maxDropPoints"]!);
        Assert.Equal(fallback.Int8Top1, (double)json["int8Top1"]!);
    }

    [Fact]
    public void MaxDrop_OnAModelWithAFixedBatchOfOne_MeasuresTheHeldOutImagesOneByOne()
    {
        // torch.onnx.export fixes the batch at 1 unless told otherwise; the held-out batches (100 images through
        // QuantizePass) used to reach ONNX Runtime whole and fail with "Got: 100 Expected: 1".
        var dynamic = NearTie();
        var (calibration, heldOut) = NearTieData(dynamic);
        var fixedBatch = dynamic.Clone();
        foreach (var value in new[] { fixedBatch.Graph.Input[0], fixedBatch.Graph.Output[0] })
            value.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        var options = new QuantizationOptions { CalibrationCount = 64, MaxAccuracyDrop = 100 };
        var expected = new QdqQuantizer(options).Quantize(dynamic, calibration, heldOut).AccuracyFallback!;
        var fallback = new QdqQuantizer(options).Quantize(fixedBatch, calibration, heldOut).AccuracyFallback!;

        Assert.Equal(400, fallback.Images);
        Assert.Equal(1.0, fallback.Fp32Top1);
        Assert.Equal(expected.FirstInt8Top1, fallback.FirstInt8Top1);
    }

    [Fact]
    public void MaxDrop_Unreachable_WithoutKeepingEveryLayerFloat_IsAClearError()
    {
        var model = NearTie();
        var (calibration, heldOut) = NearTieData(model);
        var e = Assert.Throws<QuantizationException>(() =>
            new QdqQuantizer(new QuantizationOptions { CalibrationCount = 64, MaxAccuracyDrop = 1 }).Quantize(model, calibration, heldOut));
        Assert.StartsWith("MaxAccuracyDrop 1: not reachable: with 0 of the 1 measured layers in float, int8 top-1 is ", e.Message, StringComparison.Ordinal);
        Assert.Contains("against fp32 100.00 % on 400 held-out images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxDrop_WithoutHeldOutImages_IsRefused()
    {
        var e = Assert.Throws<QuantizationException>(() =>
            new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16, MaxAccuracyDrop = 1 }).Quantize(TinyOnnxModels.Chain(), QdqQuantizerTests.Calibration(16)));
        Assert.Equal("MaxAccuracyDrop: no held-out labelled images were given to measure top-1 on", e.Message);
    }
}
