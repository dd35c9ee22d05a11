using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Training.Models;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

public class MobileNetQuantizationTests
{
    [Theory]
    [InlineData(1.0, FloatLayers.None)]
    [InlineData(0.5, FloatLayers.None)]
    [InlineData(1.0, FloatLayers.FirstConv)]
    [InlineData(0.5, FloatLayers.FirstConv | FloatLayers.Classifier)]
    public void ExportedMobileNet_EveryQuantizedConvBecomesQLinearConv_InTheOptimisedGraph(double alpha, FloatLayers floatLayers)
    {
        const int size = 32, classes = 10;
        var spec = new ModelSpec("mobilenet_v1", classes, 3, size, alpha) { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };
        ModelProto floatModel;
        using (var model = new MobileNetV1(classes, alpha, 3, size))
        {
            model.eval();
            floatModel = new OnnxExporter().Export(model, spec);
        }
        int convs = floatModel.Graph.Node.Count(n => n.OpType == "Conv");
        Assert.Equal(27, convs); // 1 stem conv + 13 depthwise + 13 pointwise

        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16, FloatLayers = floatLayers })
            .Quantize(floatModel, QdqQuantizerTests.Calibration(16, size, batch: 8));
        var optimized = OrtTestRunner.Optimized(result.Model);

        // The stem conv ('features.0.0') stays float with FirstConv; everything else runs on integers.
        int floatConvs = floatLayers.HasFlag(FloatLayers.FirstConv) ? 1 : 0;
        Assert.Equal(convs - floatConvs, OrtTestRunner.Count(optimized, "QLinearConv"));
        Assert.Equal(floatConvs, OrtTestRunner.Count(optimized, "Conv") + OrtTestRunner.Count(optimized, "FusedConv"));
        Assert.Equal(floatLayers.HasFlag(FloatLayers.Classifier) ? 0 : 1, OrtTestRunner.Count(optimized, "QGemm"));
        Assert.Equal(floatConvs + (floatLayers.HasFlag(FloatLayers.Classifier) ? 1 : 0), result.FloatNodes.Count);
        Assert.True(result.Model.CalculateSize() < floatModel.CalculateSize() * 0.3, "int8 model should be about 4x smaller");
    }
}
