using EdgeToolkit.Compression.Passes.Options;

namespace EdgeToolkit.Compression.Passes;

/// <summary>The <c>dataset</c> section of a recipe.</summary>
/// <param name="Name">A name known to <c>DatasetResolver</c> (<c>fashion-mnist</c>, <c>embedded</c>, <c>cifar10</c>, ...) or a folder.</param>
/// <param name="Path">Explicit data folder (optional).</param>
/// <param name="TrainLimit">Use at most this many training images (0 = all), an evenly spread subset.</param>
/// <param name="TestLimit">Use at most this many test images (0 = all).</param>
public sealed record RecipeDataset(string Name, string? Path = null, int TrainLimit = 0, int TestLimit = 0)
{
    /// <summary>Declaration of <see cref="TrainLimit"/>: recipe <c>dataset.trainLimit</c>, CLI <c>--train-limit</c> (or <c>--limit-train</c>).</summary>
    public static IntPassOption TrainLimitOption { get; } = new("trainLimit", 0, 0, 100_000_000,
        "Use only N training images, evenly spread over the set (quick runs; 0 = all)") { CliAliases = ["--limit-train"] };

    /// <summary>Declaration of <see cref="TestLimit"/>: recipe <c>dataset.testLimit</c>, CLI <c>--test-limit</c> (or <c>--limit-test</c>).</summary>
    public static IntPassOption TestLimitOption { get; } = new("testLimit", 0, 0, 100_000_000,
        "Use only N test images, evenly spread over the set (0 = all)") { CliAliases = ["--limit-test"] };
}
