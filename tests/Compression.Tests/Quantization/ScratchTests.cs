using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;
namespace EdgeToolkit.Compression.Tests.Quantization;
public class ScratchTests
{
    [Fact]
    public void Scratch()
    {
        var msg = new System.Text.StringBuilder();
        foreach (var sym in new[] { false, true })
        foreach (var method in new[] { CalibrationMethod.MinMax, CalibrationMethod.Entropy })
        foreach (var level in new[] { GraphOptimizationLevel.ORT_DISABLE_ALL, GraphOptimizationLevel.ORT_ENABLE_ALL })
        {
            var fm = TinyOnnxModels.Residual();
            var r = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 64, SymmetricActivations = sym, Method = method }).Quantize(fm, QdqQuantizerTests.Calibration(64));
            float[] input = TinyOnnxModels.RandomInputs(64, 16, 999);
            var f = OrtTestRunner.Run(fm, input, [64, 3, 16, 16], level);
            var q = OrtTestRunner.Run(r.Model, input, [64, 3, 16, 16], level);
            msg.AppendLine($"sym={sym} {method} {level}: cos {OrtTestRunner.Cosine(f, q):F5} ops {string.Join(",", OrtTestRunner.Optimized(r.Model).Node.Select(n => n.OpType))}");
        }
        Assert.Fail(msg.ToString());
    }
}
