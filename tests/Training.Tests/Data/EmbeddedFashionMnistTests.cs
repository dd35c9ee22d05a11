using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class EmbeddedFashionMnistTests
{
    [Fact]
    public void Embedded_subset_is_class_balanced_6000_train_1000_test()
    {
        var (train, test) = EmbeddedFashionMnist.Load();

        Assert.Equal(6000, train.Count);
        Assert.Equal(1000, test.Count);
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(StandardClassNames.FashionMnist, train.ClassNames);
        Assert.All(train.Labels.GroupBy(l => l), g => Assert.Equal(600, g.Count()));
        Assert.All(test.Labels.GroupBy(l => l), g => Assert.Equal(100, g.Count()));
        Assert.Equal(10, train.Labels.Distinct().Count());
        Assert.Equal(10, test.Labels.Distinct().Count());
        // Real images, not blanks: Fashion-MNIST's mean pixel is about 0.29.
        var (mean, std) = BatchLoader.ComputeStatistics(train);
        Assert.InRange(mean[0], 0.2f, 0.4f);
        Assert.InRange(std[0], 0.25f, 0.45f);
    }
}
