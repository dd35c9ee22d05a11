using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Tests.Export;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.Compression.Tests.Evaluation;

public sealed class OnnxEvaluatorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("eval-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("mobilenet_v1", 0.25, 3, 32)] // grey 28x28 -> padded to 32, repeated to 3 channels
    [InlineData("resnet20", 1.0, 1, 16)]      // grey 28x28 -> resized to 16
    public void Onnx_runtime_accuracy_and_predictions_equal_TorchSharp_on_the_same_data(string architecture, double alpha, int channels, int size)
    {
        var spec = ExportTestModels.Spec(architecture, channels, size, alpha);
        using var model = Training.Models.ModelFactory.Create(spec); // initial BatchNorms: features keep their spread
        ExportTestModels.DrawWeights(model, seed: 11); // the same model whatever runs beside it
        ExportTestModels.WidenClassifier(model);
        var data = EvaluationTestData.Grey28(50);
        CenterClassifier(model, data, spec);
        var bundle = BundleExporter.Export(model, spec, Path.Combine(dir, "bundle")).Bundle;

        var torchResult = ClassifierEvaluator.Evaluate(model, spec, data, batchSize: 16);
        var torchPredictions = TorchPredictions(model, data, spec);
        // The same inputs on both sides: training's loader (the manifest route is held to the device by the parity tests).
        using var evaluator = new OnnxEvaluator(bundle, new OnnxEvaluatorOptions { BatchSize = 16, Preprocessing = EvaluationPreprocessing.TrainingLoader });
        var progress = new RecordingProgress<EvaluationProgress>();
        var ortResult = evaluator.Evaluate(data, progress);
        var ortPredictions = evaluator.Predict(data);

        Assert.Equal(torchPredictions, ortPredictions);
        Assert.True(ortPredictions.Distinct().Count() > 1, $"a model predicting one class would not test much: {string.Join(",", ortPredictions)}");
        Assert.Equal(50, ortResult.Images);
        Assert.Equal(torchResult.Top1, ortResult.Top1);
        Assert.NotNull(ortResult.Top5);
        Assert.Equal(torchResult.Top5, ortResult.Top5);
        Assert.Equal(torchResult.Confusion, ortResult.Confusion);
        Assert.Equal(50, ortResult.Confusion.Sum(row => row.Sum()));
        Assert.Equal([16, 32, 48, 50], progress.Reports.Select(p => p.ImagesDone));
        Assert.All(progress.Reports, p => Assert.Equal(50, p.ImagesTotal));
    }

    [Fact]
    public void Top5_is_absent_with_five_classes_or_fewer()
    {
        var spec = ExportTestModels.Spec("resnet20", 1, 16, classes: 4);
        using var model = ExportTestModels.Create(spec);
        var bundle = BundleExporter.Export(model, spec, Path.Combine(dir, "bundle")).Bundle;
        using var evaluator = new OnnxEvaluator(bundle);

        var result = evaluator.Evaluate(EvaluationTestData.Grey28(10, classes: 4));

        Assert.Null(result.Top5);
        Assert.Equal(4, result.Confusion.Length);
    }

    [Fact]
    public void A_dataset_with_more_classes_than_the_model_is_refused()
    {
        var spec = ExportTestModels.Spec("resnet20", 1, 16, classes: 4);
        using var model = ExportTestModels.Create(spec);
        var bundle = BundleExporter.Export(model, spec, Path.Combine(dir, "bundle")).Bundle;
        using var evaluator = new OnnxEvaluator(bundle);

        var e = Assert.Throws<ArgumentException>(() => evaluator.Evaluate(EvaluationTestData.Grey28(10, classes: 10)));

        Assert.Contains("10 classes", e.Message);
        Assert.Contains("predicts 4", e.Message);
    }

    [Fact]
    public void A_model_with_a_fixed_batch_evaluates_a_dataset_that_is_not_a_multiple_of_it()
    {
        // A model exported with a fixed batch of 16: 50 images are three batches of 16 and one of 2, which ONNX
        // Runtime refused ("Got: 2 Expected: 16") before the last batch was padded.
        var spec = ExportTestModels.Spec("resnet20", 1, 16, classes: 10);
        torch.random.manual_seed(5);
        using var model = ExportTestModels.Create(spec);
        var data = EvaluationTestData.Grey28(50);
        CenterClassifier(model, data, spec);
        var bundle = BundleExporter.Export(model, spec, Path.Combine(dir, "bundle")).Bundle;
        var graph = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.ModelPath));
        foreach (var value in new[] { graph.Graph.Input[0], graph.Graph.Output[0] })
            value.Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension { DimValue = 16 };
        string fixedPath = Path.Combine(dir, "fixed-batch-16.onnx");
        File.WriteAllBytes(fixedPath, Google.Protobuf.MessageExtensions.ToByteArray(graph));

        using var dynamicBatch = new OnnxEvaluator(bundle, new OnnxEvaluatorOptions { BatchSize = 7 });
        using var fixedBatch = new OnnxEvaluator(bundle with { ModelPath = fixedPath }, new OnnxEvaluatorOptions { BatchSize = 7 });
        var progress = new RecordingProgress<EvaluationProgress>();
        var result = fixedBatch.Evaluate(data, progress);

        Assert.Equal(16, fixedBatch.BatchSize);
        Assert.Equal([16, 32, 48, 50], progress.Reports.Select(p => p.ImagesDone));
        Assert.Equal(50, result.Images);
        Assert.Equal(dynamicBatch.Predict(data), fixedBatch.Predict(data));
        Assert.Equal(dynamicBatch.Evaluate(data).Top1, result.Top1);
    }

    [Fact]
    public void A_model_onnx_runtime_refuses_is_reported_naming_the_file()
    {
        var spec = ExportTestModels.Spec("resnet20", 1, 16, classes: 4);
        using var model = ExportTestModels.Create(spec);
        var bundle = BundleExporter.Export(model, spec, Path.Combine(dir, "bundle")).Bundle;
        string broken = Path.Combine(dir, "broken.onnx");
        File.WriteAllBytes(broken, File.ReadAllBytes(bundle.ModelPath).AsSpan(0, 200).ToArray());

        var e = Assert.Throws<InvalidDataException>(() => new OnnxEvaluator(bundle with { ModelPath = broken }));

        Assert.Contains(broken, e.Message);
        Assert.Contains("ONNX Runtime", e.Message);
    }

    [Theory]
    [InlineData(0, 0, "BatchSize")]
    [InlineData(8, -1, "Threads")]
    public void Invalid_options_are_refused_naming_the_setting(int batchSize, int threads, string setting)
    {
        var options = new OnnxEvaluatorOptions { BatchSize = batchSize, Threads = threads };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(setting, e.Message);
    }

    /// <summary>Subtracts each class's mean logit on the data from the classifier bias, so predictions spread over classes.</summary>
    internal static void CenterClassifier(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, ImageDataset data, Training.Models.ModelSpec spec)
    {
        model.eval();
        var fc = model.modules().OfType<TorchSharp.Modules.Linear>().Last();
        using var loader = new BatchLoader(data, ClassifierEvaluator.LoaderOptions(spec, data.Count));
        using var noGrad = torch.no_grad();
        foreach (var (images, labels) in loader.Batches(0))
        {
            using var scope = torch.NewDisposeScope();
            using var x = images;
            using var y = labels;
            var logits = model.call(x);
            fc.bias!.sub_(logits.mean([0]));
            var spread = logits - logits.mean([0]);
            Assert.True(spread.abs().max().item<float>() > 0, "logits do not depend on the image");
        }
    }

    private static int[] TorchPredictions(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, ImageDataset data, Training.Models.ModelSpec spec)
    {
        model.eval();
        var predictions = new List<int>();
        using var loader = new BatchLoader(data, ClassifierEvaluator.LoaderOptions(spec, 16));
        using var noGrad = torch.no_grad();
        foreach (var (images, labels) in loader.Batches(0))
        {
            using var scope = torch.NewDisposeScope();
            using var x = images;
            using var y = labels;
            predictions.AddRange(model.call(x).argmax(1).data<long>().ToArray().Select(p => (int)p));
        }
        return predictions.ToArray();
    }
}
