namespace EdgeToolkit.Compression.Passes;

/// <summary>The <c>dataset</c> section of a recipe.</summary>
/// <param name="Name">A name known to <c>DatasetResolver</c> (<c>fashion-mnist</c>, <c>embedded</c>, <c>cifar10</c>, ...) or a folder.</param>
/// <param name="Path">Explicit data folder (optional).</param>
/// <param name="TrainLimit">Use at most this many training images (0 = all), an evenly spread subset.</param>
/// <param name="TestLimit">Use at most this many test images (0 = all).</param>
public sealed record RecipeDataset(string Name, string? Path = null, int TrainLimit = 0, int TestLimit = 0);
