using EdgeToolkit.Compression.Pruning;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="PrunePass"/>.</summary>
public sealed record PrunePassOptions
{
    /// <summary>How output channels are ranked.</summary>
    public ChannelImportance Importance { get; init; } = ChannelImportance.L1Norm;

    /// <summary>Evaluate the pruned network (before fine-tuning) on the test set.</summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>Reads and validates the options of a recipe entry (<c>importance</c>: <c>l1</c> or <c>bn</c>).</summary>
    public static PrunePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new PrunePassOptions
        {
            Importance = r.String("importance", "l1", ["l1", "bn"]) == "bn" ? ChannelImportance.BatchNormScale : ChannelImportance.L1Norm,
            Evaluate = r.Bool("evaluate", true),
        };
        r.RejectUnknown("the prune pass");
        return o;
    }
}
