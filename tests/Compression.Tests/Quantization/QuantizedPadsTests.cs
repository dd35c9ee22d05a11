using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Compression.Tests.Export;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// ResNet's option-A shortcut (Slice, then a Pad of zero channels) quantizes with its Pad on integer codes: ONNX Runtime
/// has no QDQ rule for Pad, so DequantizeLinear -> Pad -> QuantizeLinear would stay float (QuantizedPads).
/// </summary>
public class QuantizedPadsTests
{
    private const int Size = 16;

    [Fact]
    public void Resnet_shortcut_pads_run_on_codes_padded_with_the_zero_point_and_leave_no_float_island()
    {
        var spec = ExportTestModels.Spec("resnet20", 3, Size);
        ModelProto floatModel;
        using (var module = ExportTestModels.Create(spec))
            floatModel = new OnnxExporter().Export(module, spec);
        Assert.Equal(2, floatModel.Graph.Node.Count(n => n.OpType == "Pad"));

        var result = new QdqQuantizer(QuantizationOptions.Default with { FloatLayers = FloatLayers.None, CalibrationCount = 32, SqnrSamples = 0, Target = QuantizationTarget.X64Vnni })
            .Quantize(floatModel, QdqQuantizerTests.Calibration(32, Size));

        // Two shortcut Pads and the stem's input-channel Pad, all on integers.
        var pads = result.Fusion!.Ops.Single(o => o.OpType == "Pad");
        Assert.Equal((3, 3), (pads.Total, pads.Integer));
        Assert.Empty(result.Fusion.Islands);
        var graph = result.Model.Graph;
        // The shortcut Pads read the codes of the Slice's output (the DequantizeLinear between them is gone).
        var sliceCodes = graph.Node.Where(q => q.OpType == "QuantizeLinear" && graph.Node.Any(p => p.OpType == "Slice" && p.Output[0] == q.Input[0])).Select(q => q.Output[0]).ToHashSet();
        var shortcut = graph.Node.Where(n => n.OpType == "Pad" && sliceCodes.Contains(n.Input[0])).ToList();
        Assert.Equal(2, shortcut.Count);

        // Each shortcut Pad's output, dequantized, is its input dequantized with exact zeros in the added channels.
        var model = result.Model.Clone();
        model.Graph.Output.Clear();
        var checks = new List<(string Input, string Output, long Before)>();
        foreach (var pad in shortcut)
        {
            var dequantize = model.Graph.Node.First(n => n.OpType == "DequantizeLinear" && n.Input[0] == pad.Output[0]);
            // The Pad's constant is the zero point (of its input, equal to its output's: the plan shares them).
            Assert.Equal(model.Graph.Initializer.Single(t => t.Name == dequantize.Input[2]).RawData, model.Graph.Initializer.Single(t => t.Name == pad.Input[2]).RawData);
            string input = pad.Input[0] + "_check";
            model.Graph.Node.Add(new NodeProto { OpType = "DequantizeLinear", Name = input + "_dq", Input = { pad.Input[0], dequantize.Input[1], dequantize.Input[2] }, Output = { input } });
            model.Graph.Output.Add(new ValueInfoProto { Name = input });
            model.Graph.Output.Add(new ValueInfoProto { Name = dequantize.Output[0] });
            var padding = model.Graph.Initializer.Single(t => t.Name == pad.Input[1]);
            checks.Add((input, dequantize.Output[0], padding.RawData.IsEmpty ? padding.Int64Data[1] : BitConverter.ToInt64(padding.RawData.Span[8..16])));
        }
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        float[] pixels = TinyOnnxModels.RandomInputs(2, Size, seed: 23);
        using var value = OrtValue.CreateTensorValueFromMemory(pixels, [2, 3, Size, Size]);
        using var runOptions = new RunOptions();
        string[] names = checks.SelectMany(c => new[] { c.Input, c.Output }).ToArray();
        using var results = session.Run(runOptions, [session.InputNames[0]], [value], names);
        for (int k = 0; k < checks.Count; k++)
        {
            var inShape = results[2 * k].GetTensorTypeAndShape().Shape;
            var outShape = results[2 * k + 1].GetTensorTypeAndShape().Shape;
            float[] x = results[2 * k].GetTensorDataAsSpan<float>().ToArray(), y = results[2 * k + 1].GetTensorDataAsSpan<float>().ToArray();
            long batch = inShape[0], channels = inShape[1], plane = inShape[2] * inShape[3], padded = outShape[1];
            Assert.True(padded > channels, $"{checks[k].Output}: {padded} channels from {channels}");
            Assert.Contains(x, v => v != 0f);
            long before = checks[k].Before; // pads [0, before, 0, 0, 0, after, 0, 0]: the channel axis
            for (long b = 0; b < batch; b++)
            {
                for (long c = 0; c < padded; c++)
                {
                    for (long i = 0; i < plane; i++)
                    {
                        float got = y[(b * padded + c) * plane + i];
                        long source = c - before;
                        float expected = source >= 0 && source < channels ? x[(b * channels + source) * plane + i] : 0f;
                        Assert.Equal(expected, got);
                    }
                }
            }
        }
    }
}
