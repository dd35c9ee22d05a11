using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static EdgeToolkit.Training.Tests.Trainer.TrainerTestData;

namespace EdgeToolkit.Training.Tests.Trainer;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class ClassifierEvaluatorTests
{
    [Fact]
    public void Confusion_matrix_counts_every_image_and_top1_is_its_diagonal()
    {
        torch.manual_seed(1);
        using var model = CreateTiny(TinySpec);
        var data = Quadrants(50, 3);

        var result = ClassifierEvaluator.Evaluate(model, TinySpec, data, batchSize: 16);

        Assert.Equal(50, result.Images);
        Assert.Equal(50, result.Confusion.Sum(row => row.Sum()));
        Assert.Equal(Enumerable.Range(0, 4).Sum(i => result.Confusion[i][i]) / 50.0, result.Top1, 12);
        Assert.Equal(data.Labels.Count(l => l == 2), result.Confusion[2].Sum());
        Assert.Null(result.Top5); // 4 classes
        Assert.True(model.training, "the model's training mode was not restored");
    }

    [Fact]
    public void Top5_is_reported_for_more_than_five_classes_and_is_at_least_top1()
    {
        var spec = new ModelSpec("tiny", 10, 1, 16);
        torch.manual_seed(2);
        using var model = CreateTiny(spec);
        var rng = new Random(1);
        var pixels = new byte[40 * 16 * 16];
        rng.NextBytes(pixels);
        var data = new ImageDataset("random", pixels, Enumerable.Range(0, 40).Select(i => (long)(i % 10)).ToArray(), 1, 16, 16,
            Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());

        var result = ClassifierEvaluator.Evaluate(model, spec, data);

        Assert.NotNull(result.Top5);
        Assert.True(result.Top5 >= result.Top1);
    }
}
