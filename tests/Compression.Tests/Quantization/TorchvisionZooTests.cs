using EdgeToolkit.Compression.Quantization;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>Foreign graphs as torch.onnx writes them: preparation keeps the function, and every supported pattern fuses.</summary>
public class TorchvisionZooTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Zoo()
    {
        var data = new TheoryData<string, int>();
        foreach (string model in TorchvisionZoo.Models)
        {
            data.Add(model, 13);
            data.Add(model, 17);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Zoo))]
    public void Preparation_RemovesIdentityAndConstant_AndKeepsTheFunction(string name, int opset)
    {
        var model = TorchvisionZoo.Load(name, opset);
        var prepared = QdqQuantizer.Prepare(model, out var preparation);
        output.WriteLine(preparation.ToString());

        Assert.DoesNotContain(prepared.Graph.Node, n => n.OpType is "Identity" or "Constant" or "BatchNormalization" or "Flatten" or "Shape");
        Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Identity"), preparation.IdentitiesRemoved);
        Assert.True(preparation.ShapesInferred > 0);
        var input = TinyOnnxModels.RandomInputs(4, TorchvisionZoo.Size, seed: 3);
        long[] shape = [4, 3, TorchvisionZoo.Size, TorchvisionZoo.Size];
        // The exported models have a fixed batch of 1: compare sample by sample.
        for (int i = 0; i < 4; i++)
        {
            var sample = input.AsSpan(i * 3 * TorchvisionZoo.Size * TorchvisionZoo.Size, 3 * TorchvisionZoo.Size * TorchvisionZoo.Size).ToArray();
            float[] expected = OrtTestRunner.Run(model, sample, [1, .. shape[1..]], GraphOptimizationLevel.ORT_DISABLE_ALL);
            float[] actual = OrtTestRunner.Run(prepared, sample, [1, .. shape[1..]], GraphOptimizationLevel.ORT_DISABLE_ALL);
            for (int k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-4f * (1 + Math.Abs(expected[k])), $"{name} sample {i} logit {k}: {actual[k]} vs {expected[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(Zoo))]
    public void Quantized_EverySupportedPatternFuses_AndFloatIslandsHaveAReason(string name, int opset)
    {
        var model = TorchvisionZoo.Load(name, opset);
        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 8, Target = QuantizationTarget.X64Vnni })
            .Quantize(model, QdqQuantizerTests.Calibration(8, TorchvisionZoo.Size, batch: 1));
        var fusion = result.Fusion!;
        output.WriteLine(fusion.Summary);
        foreach (var island in fusion.Islands) output.WriteLine($"island: {string.Join(",", island.OpTypes)}: {island.Reason}");

        Assert.Empty(fusion.NotFused);
        // On a VNNI target the stem is quantized too (float layers auto): every Conv, every residual Add, the classifier
        // and the MaxPool after the stem run on integers.
        var conv = fusion.Ops.Single(o => o.OpType == "Conv");
        Assert.Equal(conv.Total, conv.Integer);
        Assert.All(fusion.Ops.Where(o => o.OpType is "Add" or "Concat" or "Gemm" or "GlobalAveragePool" or "MaxPool" or "Relu" or "Clip" or "Reshape" or "Transpose" or "Sigmoid"),
            o => Assert.True(o.Total == o.Integer, $"{o.Integer} of {o.Total} {o.OpType} on integers"));
        // What stays float is float on purpose or has no int8 kernel in ONNX Runtime.
        Assert.All(fusion.Islands.Where(i => !i.OnPurpose), i => Assert.All(i.OpTypes, t => Assert.Contains(t, new[] { "HardSwish", "HardSigmoid", "Slice" })));
        // At 32x32 with 10 classes the per-channel scales, int32 biases and Q/DQ nodes weigh more than
        // at 224x224 with 1000 classes, where the 0.3 target is measured (benchmarks/QuantizationZoo).
        Assert.True(result.Model.CalculateSize() <= model.CalculateSize() * 0.31, $"int8 file {result.Model.CalculateSize()} bytes vs fp32 {model.CalculateSize()}");
    }

    [Theory]
    [InlineData(QuantizationTarget.X64Vnni, QuantizedActivationType.UInt8)]
    [InlineData(QuantizationTarget.X64, QuantizedActivationType.UInt8)]
    [InlineData(QuantizationTarget.Arm64DotProduct, QuantizedActivationType.Int8)]
    public void ActivationType_IsChosenPerTarget_AndResidualAddsFuseForIt(QuantizationTarget target, QuantizedActivationType expected)
    {
        var model = TorchvisionZoo.Load("mobilenet_v2", 13);
        var result = new QdqQuantizer(new QuantizationOptions { CalibrationCount = 4, Target = target })
            .Quantize(model, QdqQuantizerTests.Calibration(4, TorchvisionZoo.Size, batch: 1));
        Assert.Equal(expected, result.ActivationChoice!.ActivationType);
        Assert.Equal(target, result.ActivationChoice.Target);
        Assert.False(string.IsNullOrWhiteSpace(result.ActivationChoice.Reason));
        // The report loads the model as the target's ONNX Runtime fuses it (int8 QDQ fuses on ARM64 only).
        Assert.Empty(result.Fusion!.NotFused);
        Assert.Equal(10, result.Fusion.Ops.Single(o => o.OpType == "Add").Integer);
    }
}
