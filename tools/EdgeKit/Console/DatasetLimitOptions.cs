using System.CommandLine;
using EdgeToolkit.Compression.Passes;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// <c>--train-limit</c> / <c>--test-limit</c> (earlier <c>--limit-train</c> / <c>--limit-test</c>): an even spread of N images of each
/// split, declared once (<see cref="RecipeDataset.TrainLimitOption"/>) for the recipe's dataset section and every verb that loads a dataset.
/// </summary>
public static class DatasetLimitOptions
{
    /// <summary>The training-split limit (0 = all).</summary>
    public static Option<int> Train() => RecipeDataset.TrainLimitOption.Cli();

    /// <summary>The test-split limit (0 = all).</summary>
    public static Option<int> Test() => RecipeDataset.TestLimitOption.Cli();
}
