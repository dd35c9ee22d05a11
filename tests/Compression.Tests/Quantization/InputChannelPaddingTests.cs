using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// The stem's input channels are padded to a multiple of 4 on x86-64 targets, so that ONNX Runtime runs the quantized
/// stem on its fused ConvSym kernel (docs/quantization.md, "Why our MobileNet v1 stops at about 0.4 of fp32").
/// </summary>
public class InputChannelPaddingTests
{
    private const int Size = 16;
    private const int Classes = 10;

    private static readonly QuantizationOptions AllLayers = QuantizationOptions.Default with { FloatLayers = FloatLayers.None, CalibrationCount = 64, SqnrSamples = 0 };

    private static QuantizationResult Quantize(ModelProto model, QuantizationOptions options) =>
        new QdqQuantizer(options).Quantize(model, QdqQuantizerTests.Calibration(64, Size));

    private static float[] Run(ModelProto model)
    {
        float[] input = TinyOnnxModels.RandomInputs(32, Size, seed: 999);
        return OrtTestRunner.Run(model, input, [32, 3, Size, Size]);
    }

    [Fact]
    public void On_x64_vnni_the_three_channel_stem_is_padded_to_four_and_runs_on_integers_with_the_same_function()
    {
        var floatModel = TinyOnnxModels.Chain();
        // 7-bit weights: the models run on this host, and on x86 without VNNI a full-range VNNI model's pair sums
        // saturate, differently in the padded stem's kernel and the unpadded one's (cosine 0.9985 on an AVX2-only EPYC).
        var padded = Quantize(floatModel, AllLayers with { Target = QuantizationTarget.X64Vnni, ReduceWeightRange = true });
        var plain = Quantize(floatModel, AllLayers with { Target = QuantizationTarget.X64Vnni, PadInputChannels = false, ReduceWeightRange = true });

        Assert.Equal(["conv0: 3 -> 4"], padded.PaddedInputChannels);
        Assert.Empty(plain.PaddedInputChannels);
        var graph = padded.Model.Graph;
        var pad = Assert.Single(graph.Node, n => n.OpType == "Pad");
        // The graph input is quantized first and the Pad copies its codes, padding with the zero point (the code of 0.0).
        var quantize = Assert.Single(graph.Node, n => n.OpType == "QuantizeLinear" && n.Input[0] == graph.Input[0].Name);
        Assert.Equal(quantize.Output[0], pad.Input[0]);
        Assert.Equal(quantize.Input[2], pad.Input[2]);
        Assert.Contains(graph.Node, n => n.OpType == "DequantizeLinear" && n.Input[0] == pad.Output[0]);
        var stemWeight = graph.Initializer.Single(t => t.Name.StartsWith("conv0", StringComparison.Ordinal) && t.Dims.Count == 4);
        Assert.Equal(4, stemWeight.Dims[1]);

        // Every Conv runs on integers, and so does the Pad: no float island is left.
        var conv = padded.Fusion!.Ops.Single(o => o.OpType == "Conv");
        Assert.Equal(conv.Total, conv.Integer);
        Assert.Empty(padded.Fusion.Islands);
        Assert.False(padded.Fusion.Layers.Single(l => l.OpType == "Pad").Float);

        // Zero channels meet zero weights: the padded int8 model computes what the unpadded one does.
        float[] a = Run(padded.Model), b = Run(plain.Model), f = Run(floatModel);
        Assert.True(OrtTestRunner.Cosine(a, b) > 0.9999, $"cosine padded vs unpadded int8 {OrtTestRunner.Cosine(a, b)}");
        Assert.True(OrtTestRunner.Cosine(a, f) > 0.99, $"cosine padded int8 vs float {OrtTestRunner.Cosine(a, f)}");
        Assert.True(OrtTestRunner.ArgmaxAgreement(a, b, Classes) >= 0.9);
    }

    [Fact]
    public void The_padded_input_is_calibrated_by_min_max_as_the_graph_input_is()
    {
        var batches = QdqQuantizerTests.Calibration(32, Size).ToList();
        float min = Math.Min(0, batches.Min(b => b.Data.Min())), max = Math.Max(0, batches.Max(b => b.Data.Max()));
        var result = new QdqQuantizer(AllLayers with { CalibrationCount = 32, Method = CalibrationMethod.Entropy, Target = QuantizationTarget.X64Vnni })
            .Quantize(TinyOnnxModels.Chain(), batches);

        // The range of the padded float tensor (the Pad was made on floats and calibrated there), reported under the
        // graph input's name: the final model quantizes the input itself and pads the codes; the padded tensor is gone.
        Assert.DoesNotContain(result.Ranges.Keys, k => k.EndsWith("_channels_padded", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Model.Graph.Node.SelectMany(n => n.Input.Concat(n.Output)), t => t.EndsWith("_channels_padded", StringComparison.Ordinal));
        var range = result.Ranges[TinyOnnxModels.InputName];
        Assert.Equal((min, max), (range.Min, range.Max));
        Assert.StartsWith($"input '{TinyOnnxModels.InputName}' ", result.InputQuantization, StringComparison.Ordinal);
        // And, as the graph input, its grid holds an end exactly (ExactInputEnds; InputGridTests checks which).
        Assert.NotEqual(RangeEnd.None, range.ExactEnd);
    }

    [Fact]
    public void The_padded_codes_dequantize_to_the_quantized_input_and_exact_zeros()
    {
        var result = Quantize(TinyOnnxModels.Chain(), AllLayers with { Target = QuantizationTarget.X64Vnni });
        var model = result.Model.Clone();
        var graph = model.Graph;
        var pad = Assert.Single(graph.Node, n => n.OpType == "Pad");
        var dequantize = graph.Node.First(n => n.OpType == "DequantizeLinear" && n.Input[0] == pad.Output[0]);
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = dequantize.Output[0] });
        float scale = BitConverter.ToSingle(graph.Initializer.Single(t => t.Name == dequantize.Input[1]).RawData.Span);
        int zeroPoint = graph.Initializer.Single(t => t.Name == dequantize.Input[2]).RawData[0];

        const int batch = 4, plane = Size * Size;
        float[] input = TinyOnnxModels.RandomInputs(batch, Size, seed: 17);
        float[] padded = OrtTestRunner.Run(model, input, [batch, 3, Size, Size], GraphOptimizationLevel.ORT_DISABLE_ALL);

        Assert.Equal(batch * 4 * plane, padded.Length);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < 4; c++)
            {
                for (int i = 0; i < plane; i++)
                {
                    float got = padded[(b * 4 + c) * plane + i];
                    if (c == 3)
                    {
                        Assert.Equal(0f, got);
                        continue;
                    }
                    // QuantizeLinear's arithmetic: round half to even, saturate to uint8.
                    int code = Math.Clamp((int)MathF.Round(input[(b * 3 + c) * plane + i] / scale, MidpointRounding.ToEven) + zeroPoint, 0, 255);
                    Assert.Equal((code - zeroPoint) * scale, got);
                }
            }
        }
    }

    [Theory]
    [InlineData(QuantizationTarget.Arm64DotProduct, null, FloatLayers.None)]
    [InlineData(QuantizationTarget.Arm64, null, FloatLayers.None)]
    [InlineData(QuantizationTarget.X64Vnni, false, FloatLayers.None)]
    [InlineData(QuantizationTarget.X64Vnni, null, FloatLayers.FirstConv)]
    [InlineData(QuantizationTarget.X64, null, FloatLayers.FirstConv)]
    public void Not_padded_on_arm64_when_switched_off_or_when_the_stem_stays_float(QuantizationTarget target, bool? pad, FloatLayers floatLayers)
    {
        var result = Quantize(TinyOnnxModels.Chain(), AllLayers with { Target = target, PadInputChannels = pad, FloatLayers = floatLayers });

        Assert.Empty(result.PaddedInputChannels);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "Pad");
    }

    [Fact]
    public void Padding_can_be_forced_for_an_arm64_target()
    {
        var result = Quantize(TinyOnnxModels.Chain(), AllLayers with { Target = QuantizationTarget.Arm64DotProduct, PadInputChannels = true });

        Assert.Equal(["conv0: 3 -> 4"], result.PaddedInputChannels);
    }
}
