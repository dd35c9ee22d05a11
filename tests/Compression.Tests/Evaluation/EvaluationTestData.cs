using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Compression.Tests.Evaluation;

/// <summary>Small generated datasets: random grey 28x28 images with random labels.</summary>
internal static class EvaluationTestData
{
    public static ImageDataset Grey28(int count, int classes = 10, int seed = 5)
    {
        var random = new Random(seed);
        // Each image: its own brightness and gradient plus noise, so an untrained network's outputs vary.
        var pixels = new byte[count * 28 * 28];
        for (int n = 0; n < count; n++)
        {
            double level = random.Next(256), dx = random.NextDouble() * 16 - 8, dy = random.NextDouble() * 16 - 8;
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                    pixels[(n * 28 + y) * 28 + x] = (byte)Math.Clamp(level + dx * (x - 14) + dy * (y - 14) + random.Next(-30, 31), 0, 255);
        }
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
