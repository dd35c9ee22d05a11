using EdgeToolkit.Compression.Quantization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

public class QdqQuantizerTests
{
    private const int Size = 16;
    private const int Classes = 10;

    internal static IEnumerable<CalibrationBatch> Calibration(int count, int size = Size, int batch = 16, int seed = 100)
    {
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            yield return new CalibrationBatch(TinyOnnxModels.RandomInputs(n, size, seed + start), [n, 3, size, size]);
        }
    }

    // The tiny nets test the placement of Q/DQ on every layer, so their first conv is quantized too
    // (the default keeps it float).
    private static readonly QuantizationOptions AllLayers = QuantizationOptions.Default with { FloatLayers = FloatLayers.None };

    private static QuantizationResult Quantize(ModelProto model, QuantizationOptions? options = null, int count = 64, int size = Size)
    {
        return new QdqQuantizer((options ?? AllLayers) with { CalibrationCount = count }).Quantize(model, Calibration(count, size));
    }

    private static (float[] Float, float[] Quantized) Compare(ModelProto floatModel, ModelProto quantized, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL, int count = 64)
    {
        float[] input = TinyOnnxModels.RandomInputs(count, Size, seed: 999);
        long[] shape = [count, 3, Size, Size];
        return (OrtTestRunner.Run(floatModel, input, shape, level), OrtTestRunner.Run(quantized, input, shape, level));
    }

    private static void AssertCloseToFloat(ModelProto floatModel, ModelProto quantized, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        var (f, q) = Compare(floatModel, quantized, level);
        // Random-weight logits are nearly tied, so argmax agreement is a weak signal and gets a loose
        // bound; the direction of the whole logit vector (cosine) is the primary check: per-channel int8
        // weights + int8 activations on these 4-6 layer nets reach > 0.995, 0.99 leaves room for seeds.
        double cosine = OrtTestRunner.Cosine(f, q), agreement = OrtTestRunner.ArgmaxAgreement(f, q, Classes);
        Assert.True(cosine > 0.99, $"cosine {cosine}");
        Assert.True(agreement >= 0.8, $"argmax agreement {agreement}");
    }

    private static string Ops(GraphProto graph) => string.Join(", ", graph.Node.Select(n => n.OpType));

    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_BASIC)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL)]
    public void ResidualModel_RunsAtEveryOptimisationLevel_AndStaysCloseToFloat(GraphOptimizationLevel level)
    {
        var floatModel = TinyOnnxModels.Residual();
        var result = Quantize(floatModel, count: 128);
        AssertCloseToFloat(floatModel, result.Model, level);
    }

    [Fact]
    public void ChainModel_Int8_OptimisedGraph_HasQLinearConvForEveryConv()
    {
        var floatModel = TinyOnnxModels.Chain();
        var result = Quantize(floatModel);

        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 5, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearGlobalAveragePool") == 1, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QGemm") == 1, Ops(optimized));
        Assert.DoesNotContain(optimized.Node, n => n.OpType is "Conv" or "Relu" or "Gemm" or "GlobalAveragePool");
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void Relu6Clip_IsAbsorbed_AndEveryConvFuses()
    {
        var floatModel = TinyOnnxModels.Chain(relu6: true);
        var result = Quantize(floatModel);

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "Clip");
        var optimized = OrtTestRunner.Optimized(result.Model);
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 5, Ops(optimized));
        Assert.DoesNotContain(optimized.Node, n => n.OpType is "Conv" or "Clip");
        // Calibrated ranges of the Clip outputs never exceed the clip bound.
        Assert.All(result.Ranges.Where(r => r.Key.StartsWith("relu", StringComparison.Ordinal)), r => Assert.InRange(r.Value.Max, 0f, 6f));
        // So the scale of each absorbed Clip's QuantizeLinear is at most 6 / 255 (all 256 codes on [0, 6]).
        var initializers = result.Model.Graph.Initializer.ToDictionary(t => t.Name);
        var clipQuantizers = result.Model.Graph.Node.Where(n => n.OpType == "QuantizeLinear" && n.Input[0].StartsWith("relu", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, clipQuantizers.Count);
        // The same net with Relu reaches beyond 6, so the bound comes from the Clip, not from the data.
        var relu = Quantize(TinyOnnxModels.Chain(relu6: false));
        Assert.Contains(relu.Ranges, r => r.Key.StartsWith("relu", StringComparison.Ordinal) && r.Value.Max > 6f);
        Assert.All(clipQuantizers, q => Assert.InRange(Floats(initializers[q.Input[1]])[0], 1e-6f, 6f / 255 * 1.0001f));
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void ResidualModel_UInt8_OptimisedGraph_FusesConvAddPoolAndGemm()
    {
        var floatModel = TinyOnnxModels.Residual();
        var result = Quantize(floatModel, AllLayers with { ActivationType = QuantizedActivationType.UInt8 });

        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 3, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearAdd") == 1, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearGlobalAveragePool") == 1, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QGemm") == 1, Ops(optimized));
        Assert.DoesNotContain(optimized.Node, n => n.OpType is "Conv" or "Relu" or "Gemm" or "Add" or "GlobalAveragePool");
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void ConcatModel_UInt8_OptimisedGraph_FusesConcat_AndMaxPoolRunsOnIntegers()
    {
        var floatModel = TinyOnnxModels.Concat();
        var result = Quantize(floatModel, AllLayers with { ActivationType = QuantizedActivationType.UInt8 });

        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 3, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConcat") == 1, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearGlobalAveragePool") == 1, Ops(optimized));
        Assert.DoesNotContain(optimized.Node, n => n.OpType is "Conv" or "Concat" or "Relu");
        // MaxPool shares its input's scale and zero point, so ORT drops the DQ/Q around it.
        var maxPool = Assert.Single(optimized.Node, n => n.OpType == "MaxPool");
        Assert.DoesNotContain(optimized.Node, n => n.OpType == "DequantizeLinear" && n.Output.Contains(maxPool.Input[0]));
        // Both branches end in a Relu read by the Concat alone: they are quantized with the Concat's scale and zero
        // point, so QLinearConcat copies them rather than requantizing each byte through a lookup table.
        var g = result.Model.Graph;
        byte[] Value(string name) => g.Initializer.Single(t => t.Name == name).RawData.ToByteArray();
        var concat = g.Node.Single(n => n.Name == "concat");
        var outputQ = g.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == concat.Output[0]);
        foreach (string input in concat.Input)
        {
            var dq = g.Node.Single(n => n.OpType == "DequantizeLinear" && n.Output[0] == input);
            Assert.Equal(Value(outputQ.Input[1]), Value(dq.Input[1]));
            Assert.Equal(Value(outputQ.Input[2]), Value(dq.Input[2]));
        }
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void ExcludedNodes_StayFloat()
    {
        var floatModel = TinyOnnxModels.Chain();
        var result = Quantize(floatModel, AllLayers with { ExcludedNodes = ["conv0", "classifier"] });

        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.Contains("conv0", result.FloatNodes);
        Assert.Contains("classifier", result.FloatNodes);
        Assert.True(OrtTestRunner.Count(optimized, "Conv") + OrtTestRunner.Count(optimized, "FusedConv") == 1, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 4, Ops(optimized));
        Assert.Equal(0, OrtTestRunner.Count(optimized, "QGemm"));
        Assert.True(OrtTestRunner.Count(optimized, "Gemm") + OrtTestRunner.Count(optimized, "FusedGemm") == 1, Ops(optimized));
        // The excluded nodes keep their float weights.
        var conv0 = result.Model.Graph.Node.Single(n => n.Name == "conv0");
        Assert.Contains(result.Model.Graph.Initializer, t => t.Name == conv0.Input[1] && t.DataType == (int)TensorProto.Types.DataType.Float);
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Theory]
    [InlineData(FloatLayers.FirstConv, 1, 4, 0)]
    [InlineData(FloatLayers.Classifier, 0, 5, 1)]
    [InlineData(FloatLayers.FirstConv | FloatLayers.Classifier, 1, 4, 1)]
    public void FloatLayers_StayFloat_InOrtsOptimisedGraph(FloatLayers layers, int floatConvs, int qlinearConvs, int floatGemms)
    {
        var floatModel = TinyOnnxModels.Chain();
        var result = Quantize(floatModel, AllLayers with { FloatLayers = layers });

        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.Equal(layers.HasFlag(FloatLayers.FirstConv), result.FloatNodes.Contains("conv0"));
        Assert.Equal(layers.HasFlag(FloatLayers.Classifier), result.FloatNodes.Contains("classifier"));
        Assert.True(OrtTestRunner.Count(optimized, "Conv") + OrtTestRunner.Count(optimized, "FusedConv") == floatConvs, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == qlinearConvs, Ops(optimized));
        Assert.True(OrtTestRunner.Count(optimized, "Gemm") + OrtTestRunner.Count(optimized, "FusedGemm") == floatGemms, Ops(optimized));
        Assert.Equal(1 - floatGemms, OrtTestRunner.Count(optimized, "QGemm"));
        // A float first conv reads the float input directly: no QuantizeLinear on the graph input (nor on its channel
        // padding, which x86 targets add in front of a quantized stem: InputChannelPadding).
        var inputs = result.Model.Graph.Node.Where(n => n.OpType == "Pad" && n.Input[0] == TinyOnnxModels.InputName).Select(n => n.Output[0]).Append(TinyOnnxModels.InputName).ToHashSet();
        Assert.Equal(floatConvs == 0, result.Model.Graph.Node.Any(n => n.OpType == "QuantizeLinear" && inputs.Contains(n.Input[0])));
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void EqualizeLayers_ChannelsWithDisparateRanges_QuantizeCloserToFloat_AndStillFuse()
    {
        // A depthwise conv whose channels differ by up to 1000x in scale, compensated by the next
        // pointwise conv (as BatchNorm folding leaves trained MobileNets): the float function is that of
        // a balanced net, but one per-tensor scale on the Relu output crushes the small channels.
        var floatModel = TinyOnnxModels.Chain(blocks: 1);
        var tensors = floatModel.Graph.Initializer.ToDictionary(t => t.Name);
        float[] w = Floats(tensors["conv1_dw.weight"]), b = Floats(tensors["conv1_dw.bias"]), pw = Floats(tensors["conv1_pw.weight"]);
        int channels = b.Length, perChannel = w.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            float factor = MathF.Pow(10, c % 4 - 1);
            for (int k = 0; k < perChannel; k++) w[c * perChannel + k] *= factor;
            b[c] *= factor;
            for (int o = 0; o < channels; o++) pw[o * channels + c] /= factor;
        }
        SetFloats(tensors["conv1_dw.weight"], w);
        SetFloats(tensors["conv1_dw.bias"], b);
        SetFloats(tensors["conv1_pw.weight"], pw);

        var plain = Quantize(floatModel);
        var equalized = Quantize(floatModel, AllLayers with { EqualizeLayers = true });

        // Unfused (Q/DQ as float maths) isolates the quantization error from kernel effects.
        var (f, p) = Compare(floatModel, plain.Model, GraphOptimizationLevel.ORT_DISABLE_ALL);
        var (_, e) = Compare(floatModel, equalized.Model, GraphOptimizationLevel.ORT_DISABLE_ALL);
        double plainError = RelativeError(f, p), equalizedError = RelativeError(f, e);
        Assert.True(equalizedError < 0.5 * plainError, $"relative error plain {plainError}, equalized {equalizedError}");
        var optimized = OrtTestRunner.Optimized(equalized.Model);
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 3, Ops(optimized));
        AssertCloseToFloat(floatModel, equalized.Model, GraphOptimizationLevel.ORT_DISABLE_ALL);
    }

    private static float[] Floats(TensorProto t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();

    private static void SetFloats(TensorProto t, float[] values) =>
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    private static double RelativeError(float[] reference, float[] actual)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            error += (reference[i] - actual[i]) * (double)(reference[i] - actual[i]);
            norm += reference[i] * (double)reference[i];
        }
        return Math.Sqrt(error / norm);
    }

    [Fact]
    public void ExcludedNode_ThatDoesNotExist_IsNamedInTheError()
    {
        var e = Assert.Throws<QuantizationException>(() => Quantize(TinyOnnxModels.Chain(), AllLayers with { ExcludedNodes = ["no_such_conv"] }));
        Assert.Contains("no_such_conv", e.Message);
        Assert.Contains("ExcludedNodes", e.Message);
    }

    [Fact]
    public void WeightDominatedModel_FileIsAboutFourTimesSmaller()
    {
        var floatModel = TinyOnnxModels.Chain(channels: 256, size: 4, blocks: 2);
        var result = Quantize(floatModel, count: 16, size: 4);

        double ratio = result.Model.CalculateSize() / (double)floatModel.CalculateSize();

        // int8 weights are 1/4 of float; per-channel scales, zero points and int32 biases add a little.
        Assert.InRange(ratio, 0.2, 0.3);
    }

    [Fact]
    public void WeightsAreInt8PerChannel_AndBiasesInt32()
    {
        var result = Quantize(TinyOnnxModels.Chain());
        var graph = result.Model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var dqByOutput = graph.Node.Where(n => n.OpType == "DequantizeLinear").ToDictionary(n => n.Output[0]);
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var weightDq = dqByOutput[conv.Input[1]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, initializers[weightDq.Input[0]].DataType);
            Assert.Equal(initializers[weightDq.Input[0]].Dims[0], initializers[weightDq.Input[1]].Dims.Single());
            Assert.Equal(0, weightDq.Attribute.Single(a => a.Name == "axis").I);
            var biasDq = dqByOutput[conv.Input[2]];
            Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers[biasDq.Input[0]].DataType);
        }
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Relu");
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    public void EveryCalibrationMethod_GivesFiniteRanges_AndAccurateModel(CalibrationMethod method)
    {
        var floatModel = TinyOnnxModels.Residual();
        var result = Quantize(floatModel, AllLayers with { Method = method, ActivationType = QuantizedActivationType.UInt8 });

        Assert.NotEmpty(result.Ranges);
        foreach (var (name, range) in result.Ranges)
        {
            Assert.True(float.IsFinite(range.Min) && float.IsFinite(range.Max), name);
            Assert.True(range.Width > 0, $"{name}: {range}");
        }
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void GraphInput_IsCalibratedByMinMax_WhateverTheMethod()
    {
        var batches = Calibration(32).ToList();
        float min = batches.Min(b => b.Data.Min()), max = batches.Max(b => b.Data.Max());
        // Unpadded here, so that the graph input itself is quantized on every host; InputChannelPaddingTests checks the padded input.
        var result = new QdqQuantizer(AllLayers with { CalibrationCount = 32, Method = CalibrationMethod.Entropy, PadInputChannels = false }).Quantize(TinyOnnxModels.Chain(), batches);
        var range = result.Ranges[TinyOnnxModels.InputName];
        Assert.Equal((min, max), (range.Min, range.Max));
        // And its grid holds an end exactly (ExactInputEnds, the default; InputGridTests checks which).
        Assert.NotEqual(RangeEnd.None, range.ExactEnd);
    }

    [Theory]
    [InlineData(true, false, QuantizedActivationType.Int8)]
    [InlineData(false, true, QuantizedActivationType.Int8)]
    [InlineData(false, true, QuantizedActivationType.UInt8)]
    public void PerTensorWeights_AndSymmetricActivations_StayCloseToFloat(bool perTensor, bool symmetric, QuantizedActivationType type)
    {
        var floatModel = TinyOnnxModels.Residual();
        // 7-bit weights: this host is AVX2 without VNNI, where ORT's u8*s8 kernels saturate 16-bit pair
        // sums for full-range weights (symmetric activations sit at u8 zero point 128 after ORT's s8->u8
        // conversion and hit it hardest: cosine 0.96 fused vs 0.9999 unfused, measured).
        var result = Quantize(floatModel, AllLayers with { PerChannel = !perTensor, SymmetricActivations = symmetric, ActivationType = type, ReduceWeightRange = true });
        AssertCloseToFloat(floatModel, result.Model);
        AssertCloseToFloat(floatModel, result.Model, GraphOptimizationLevel.ORT_DISABLE_ALL);
    }

    [Fact]
    public void ReduceWeightRange_KeepsWeightsWithin64()
    {
        var result = Quantize(TinyOnnxModels.Chain(), AllLayers with { ReduceWeightRange = true });
        var weights = result.Model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Int8 && t.Dims.Count >= 2).ToList();
        Assert.NotEmpty(weights);
        foreach (var w in weights)
        {
            var values = w.RawData.ToByteArray().Select(b => (sbyte)b).ToArray();
            Assert.InRange(values.Min(), -64, 0);
            Assert.Equal(64, values.Max(v => Math.Abs((int)v)));
        }
    }

    [Theory]
    [InlineData(QuantizationTarget.X64, 64)] // AVX2 without VNNI: 16-bit pair sums, 7-bit weights without being asked
    [InlineData(QuantizationTarget.X64Vnni, 127)]
    [InlineData(QuantizationTarget.Arm64, 127)]
    [InlineData(QuantizationTarget.Arm64DotProduct, 127)]
    public void Weights_are_7_bit_for_x86_without_vnni_and_full_range_elsewhere(QuantizationTarget target, int largest)
    {
        var result = Quantize(TinyOnnxModels.Chain(), AllLayers with { Target = target });

        var weights = result.Model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Int8 && t.Dims.Count >= 2).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.Equal(largest, w.RawData.ToByteArray().Max(b => Math.Abs((int)(sbyte)b))));
        Assert.Equal(largest == 64, result.ReducedWeightRange);
    }

    [Fact]
    public void QuantizedOutputs_KeepTheOutputName()
    {
        var floatModel = TinyOnnxModels.Chain();
        var result = Quantize(floatModel, AllLayers with { QuantizeOutputs = true });

        Assert.Equal(TinyOnnxModels.OutputName, result.Model.Graph.Output.Single().Name);
        var last = result.Model.Graph.Node.Single(n => n.Output.Contains(TinyOnnxModels.OutputName));
        Assert.Equal("DequantizeLinear", last.OpType);
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void BatchNormalization_IsFoldedIntoTheConv()
    {
        var floatModel = TinyOnnxModels.WithBatchNorm();
        var result = Quantize(floatModel);

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        var optimized = OrtTestRunner.Optimized(result.Model);
        Assert.True(OrtTestRunner.Count(optimized, "QLinearConv") == 1, Ops(optimized));
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void Opset11_IsRaisedTo13_WhenEveryOpIsSafe()
    {
        var floatModel = TinyOnnxModels.Residual(opset: 11);
        var result = Quantize(floatModel);

        Assert.Equal(13, result.Model.OpsetImport.Single(o => o.Domain == "").Version);
        AssertCloseToFloat(floatModel, result.Model);
    }

    [Fact]
    public void Opset11_WithAnOpThatChangedMeaning_IsRefusedNamingTheNode()
    {
        var e = Assert.Throws<QuantizationException>(() => Quantize(TinyOnnxModels.WithSqueezeOpset11()));
        Assert.Contains("squeeze", e.Message);
        Assert.Contains("opset", e.Message);
    }

    [Fact]
    public void InputModel_IsNotModified()
    {
        var floatModel = TinyOnnxModels.Residual();
        byte[] before = floatModel.ToByteArray();
        Quantize(floatModel);
        Assert.Equal(before, floatModel.ToByteArray());
    }

    [Fact]
    public void CalibrationBatch_WithWrongImageSize_IsRefusedNamingTheDimension()
    {
        var quantizer = new QdqQuantizer(AllLayers with { CalibrationCount = 4 });
        var bad = new[] { new CalibrationBatch(new float[4 * 3 * 8 * 8], [4, 3, 8, 8]) };
        var e = Assert.Throws<QuantizationException>(() => quantizer.Quantize(TinyOnnxModels.Chain(), bad));
        Assert.Contains("dimension 2", e.Message);
        Assert.Contains("batch 0", e.Message);
    }

    [Fact]
    public void CalibrationBatch_WithWrongLength_IsRefused()
    {
        var quantizer = new QdqQuantizer(AllLayers with { CalibrationCount = 4 });
        var bad = new[] { new CalibrationBatch(new float[10], [4, 3, 16, 16]) };
        var e = Assert.Throws<QuantizationException>(() => quantizer.Quantize(TinyOnnxModels.Chain(), bad));
        Assert.Contains("10 values", e.Message);
    }

    [Fact]
    public void QuantizeFile_WritesAModelOrtCanLoad_AndRefusesGarbage()
    {
        string folder = Path.Combine(Path.GetTempPath(), "qdq-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string input = Path.Combine(folder, "float.onnx"), output = Path.Combine(folder, "int8.onnx");
            File.WriteAllBytes(input, TinyOnnxModels.Chain().ToByteArray());
            new QdqQuantizer(AllLayers with { CalibrationCount = 16 }).QuantizeFile(input, output, Calibration(16));
            using (var session = new InferenceSession(output)) Assert.Equal(TinyOnnxModels.OutputName, session.OutputNames.Single());

            string garbage = Path.Combine(folder, "garbage.onnx");
            File.WriteAllText(garbage, "not a model");
            var e = Assert.Throws<QuantizationException>(() => QdqQuantizer.ReadModel(garbage));
            Assert.Contains(garbage, e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
