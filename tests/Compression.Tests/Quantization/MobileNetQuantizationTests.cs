using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Training.Models;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

public class MobileNetQuantizationTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void ExportedMobileNet_EveryConvBecomesQLinearConv_InTheOptimisedGraph(double alpha)
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

        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 16 })
            .Quantize(floatModel, QdqQuantizerTests.Calibration(16, size, batch: 8));
        var optimized = OrtTestRunner.Optimized(result.Model);

        Assert.Equal(convs, OrtTestRunner.Count(optimized, "QLinearConv"));
        Assert.DoesNotContain(optimized.Node, n => n.OpType is "Conv" or "FusedConv" or "Relu" or "Clip");
        Assert.Empty(result.FloatNodes);
        Assert.True(result.Model.CalculateSize() < floatModel.CalculateSize() * 0.3, "int8 model should be about 4x smaller");
    }
}
