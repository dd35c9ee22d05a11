using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Compression.Tests.Evaluation;

/// <summary>Small generated datasets: random grey 28x28 images with random labels.</summary>
internal static class EvaluationTestData
{
    public static ImageDataset Grey28(int count, int classes = 10, int seed = 5)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 28 * 28];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(_ => (long)random.Next(classes)).ToArray();
        return new ImageDataset("generated grey 28x28", pixels, labels, 1, 28, 28,
            Enumerable.Range(0, classes).Select(i => $"class{i}").ToArray());
    }
}

/// <summary>An <see cref="IProgress{T}"/> that records reports synchronously.</summary>
internal sealed class RecordingProgress<T> : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value) => Reports.Add(value);
}
