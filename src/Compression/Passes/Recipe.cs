namespace EdgeToolkit.Compression.Passes;

/// <summary>A validated recipe: what to run, on which data, over which matrix.</summary>
/// <param name="Name">Run name: outputs go to <c>&lt;output&gt;/&lt;name&gt;/</c>.</param>
/// <param name="Dataset">The data.</param>
/// <param name="Matrix">Architectures x alphas x precisions.</param>
/// <param name="Passes">The passes in order, options validated.</param>
public sealed record Recipe(string Name, RecipeDataset Dataset, RecipeMatrix Matrix, IReadOnlyList<IPass> Passes)
{
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Intra-op threads for libtorch and ONNX Runtime (0 = their defaults).</summary>
    public int Threads { get; init; }

    /// <summary>Root folder of runs (default <c>runs</c>); the run writes to <c>Output/Name</c>.</summary>
    public string Output { get; init; } = "runs";

    /// <summary>The file the recipe came from (for messages), or a description.</summary>
    public string Source { get; init; } = "recipe";
}
