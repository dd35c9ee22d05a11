using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Chooses a per-layer plan from one global threshold on |BatchNorm gamma| (network slimming, Liu et
/// al. 2017): every output channel whose |gamma| is above the threshold survives. The threshold is
/// the smallest one whose plan meets the cost budget, so the plan is as wide as the budget allows.
/// Meaningful after training with <c>--bn-sparsity</c>, which pushes unneeded scales to zero.
/// </summary>
public static class SlimmingPlan
{
    /// <summary>The plan of the lowest global |gamma| threshold whose cost is within <paramref name="budget"/>.</summary>
    /// <param name="source">The trained network.</param>
    /// <param name="cost">Cost of a plan (MACs...).</param>
    /// <param name="budget">Largest cost accepted.</param>
    /// <param name="minChannels">Fewest channels any layer keeps (its largest-|gamma| ones).</param>
    /// <exception cref="ArgumentException">The budget cannot be met even at <paramref name="minChannels"/> everywhere; names <c>targetMacs</c>.</exception>
    public static IReadOnlyList<int> Choose(MobileNetV1 source, Func<IReadOnlyList<int>, double> cost, double budget, int minChannels = WidthSearch.Granularity)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(cost);
        var gammas = MobileNetWidthPruner.Scores(source, ChannelImportance.BatchNormScale);
        var floor = source.ChannelPlan.Select(c => Math.Min(c, minChannels)).ToArray();
        if (!(cost(floor) <= budget))
            throw new ArgumentException($"targetMacs: {budget:G6} cannot be met; the narrowest plan ({minChannels} channels a layer, minChannels) costs {cost(floor):G6}.", nameof(budget));
        IReadOnlyList<int> PlanAt(double threshold) =>
            gammas.Select((g, l) => Math.Max(floor[l], g.Count(v => v > threshold))).ToArray();
        var thresholds = gammas.SelectMany(g => g).Distinct().Order().ToArray();
        int lo = 0, hi = thresholds.Length - 1; // PlanAt(max) = floor, which meets the budget
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (cost(PlanAt(thresholds[mid])) <= budget) hi = mid;
            else lo = mid + 1;
        }
        return PlanAt(thresholds[lo]);
    }
}
