using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// The graph input's quantization grid (<see cref="QuantizationOptions.ExactInputEnds"/>): its calibrated min and max are
/// the commonest pixel values (background, padding), and a grid that misses them shifts every such pixel alike. Issue 17's
/// seed-2 MobileNetV2 lost 5.7 points that way (ForeignTrainedModelTests has that model; these tiny graphs show the grid
/// cheaply). Each value is read back from ONNX Runtime running the quantized model's own input Q/DQ.
/// </summary>
public sealed class InputGridTests
{
    private const int Size = 16;

    /// <summary>Images of pixels (0..255) normalised by <paramref name="mean"/>/<paramref name="std"/>, three quarters background.</summary>
    private static List<CalibrationBatch> Pixels(float mean, float std, byte background, int count = 32, int seed = 4)
    {
        var random = new Random(seed);
        var batches = new List<CalibrationBatch>();
        for (int start = 0; start < count; start += 16)
        {
            var data = new float[16 * 3 * Size * Size];
            for (int i = 0; i < data.Length; i++)
            {
                int p = random.Next(4) == 0 ? random.Next(256) : background;
                if (i % 997 == 0) p = 255 - background; // both ends occur
                data[i] = (p / 255f - mean) / std;
            }
            batches.Add(new CalibrationBatch(data, [16, 3, Size, Size]));
        }
        return batches;
    }

    /// <summary>The quantized model's dequantized graph input for <paramref name="values"/> (one image, every pixel the same value), run in ONNX Runtime.</summary>
    private static float[] RoundTrip(ModelProto quantized, params float[] values)
    {
        var model = quantized.Clone();
        var q = model.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == TinyOnnxModels.InputName);
        string dequantized = model.Graph.Node.First(n => n.OpType == "DequantizeLinear" && n.Input[0] == q.Output[0]).Output[0];
        model.Graph.Output.Clear();
        model.Graph.Output.Add(new ValueInfoProto { Name = dequantized, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        return values.Select(v =>
        {
            var image = Enumerable.Repeat(v, 3 * Size * Size).ToArray();
            return OrtTestRunner.Run(model, image, [1, 3, Size, Size], GraphOptimizationLevel.ORT_DISABLE_ALL)[0];
        }).ToArray();
    }

    private static QuantizationResult Quantize(List<CalibrationBatch> data, QuantizedActivationType type, bool exact = true) =>
        new QdqQuantizer(QuantizationOptions.Default with
        {
            ActivationType = type,
            FloatLayers = FloatLayers.None,
            ExactInputEnds = exact,
            PadInputChannels = false, // the graph input itself quantized on every host (the padded copy gets the same grid)
            SqnrSamples = 0,
        }).Quantize(TinyOnnxModels.Chain(), data);

    [Theory]
    [InlineData(QuantizedActivationType.UInt8)]
    [InlineData(QuantizedActivationType.Int8)]
    public void Mean_and_std_one_half_keep_black_white_and_zero_exact(QuantizedActivationType type)
    {
        var data = Pixels(0.5f, 0.5f, background: 0);
        float[] exact = RoundTrip(Quantize(data, type).Model, -1f, 0f, 1f);
        // -1..1 in 254 steps of 1/127 (zero point 127 for uint8, -1 for int8): black, 0 (the Conv's padding) and white on the grid.
        Assert.Equal(-1f, exact[0], 1e-6f);
        Assert.Equal(0f, exact[1]);
        Assert.Equal(1f, exact[2], 1e-6f);

        // ONNX Runtime's own parameters (scale 2/255, zero point 127.5 rounded to 128): black and white both come back
        // half a step (1/255) toward 0, the shift that cost seed 2 its points.
        float[] ort = RoundTrip(Quantize(data, type, exact: false).Model, -1f, 0f, 1f);
        Assert.Equal(-254f / 255, ort[0], 1e-6f);
        Assert.Equal(0f, ort[1]);
        Assert.Equal(254f / 255, ort[2], 1e-6f);
    }

    [Theory]
    [InlineData(0, -0.1307f / 0.3081f)]
    [InlineData(255, (1 - 0.1307f) / 0.3081f)]
    public void Without_an_exact_ratio_the_end_the_background_sits_on_is_exact(byte background, float backgroundValue)
    {
        // MNIST's normalisation: -0.424..2.822, whose ratio no grid of 240..255 steps holds; the background decides the end.
        var result = Quantize(Pixels(0.1307f, 0.3081f, background), QuantizedActivationType.UInt8);
        float[] values = RoundTrip(result.Model, backgroundValue, 0f);
        Assert.Equal(backgroundValue, values[0], 1e-6f);
        Assert.Equal(0f, values[1]);
        var range = result.Ranges[TinyOnnxModels.InputName];
        Assert.Equal(background == 0 ? RangeEnd.Min : RangeEnd.Max, range.ExactEnd);
        // The other end stays on the grid's span (not clipped): within half a step, and the step at most 1/16 coarser than ONNX Runtime's.
        float other = background == 0 ? range.Max : range.Min, scale = InputScale(result.Model);
        Assert.InRange(Math.Abs(RoundTrip(result.Model, other)[0] - other), 0, 0.5f * scale + 1e-6f);
        Assert.InRange(scale, range.Width / 255, range.Width / 255 * 17 / 16);
    }

    private static float InputScale(ModelProto model)
    {
        var q = model.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == TinyOnnxModels.InputName);
        var t = model.Graph.Initializer.Single(i => i.Name == q.Input[1]);
        return t.FloatData.Count > 0 ? t.FloatData[0] : BitConverter.ToSingle(t.RawData.Span);
    }

    [Fact]
    public void Pixels_scaled_to_0_1_keep_onnx_runtimes_grid()
    {
        var data = Pixels(0f, 1f, background: 0);
        var exact = Quantize(data, QuantizedActivationType.UInt8).Model;
        var ort = Quantize(data, QuantizedActivationType.UInt8, exact: false).Model;
        float[] probes = [0f, 1f / 255, 128f / 255, 1f];
        Assert.Equal(RoundTrip(ort, probes), RoundTrip(exact, probes));
        Assert.Equal(probes, RoundTrip(exact, probes), (a, b) => Math.Abs(a - b) <= 1e-6f);
    }
}
