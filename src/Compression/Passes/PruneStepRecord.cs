using System.Text.Json.Serialization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>One cut of the prune pass as <c>prune.json</c> records it (accuracies on the test set, null when not evaluated).</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="Alpha">Width after the cut (nominal for a non-uniform plan).</param>
/// <param name="ChannelPlan">Channels per layer after the cut.</param>
/// <param name="Macs">MACs per image after the cut.</param>
/// <param name="AccuracyBeforeCut">Top-1 of the network this step cut (after the previous step's fine-tuning).</param>
/// <param name="AccuracyAfterCut">Top-1 right after the cut, with the stale BatchNorm statistics.</param>
/// <param name="AccuracyRecalibrated">Top-1 right after the cut and the BatchNorm recalibration.</param>
/// <param name="AccuracyAfterFineTune">Top-1 after the short fine-tune that follows the step (null on the last step).</param>
public sealed record PruneStepRecord(
    int Step,
    double Alpha,
    IReadOnlyList<int> ChannelPlan,
    long Macs,
    double? AccuracyBeforeCut,
    double? AccuracyAfterCut,
    double? AccuracyRecalibrated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? AccuracyAfterFineTune);
