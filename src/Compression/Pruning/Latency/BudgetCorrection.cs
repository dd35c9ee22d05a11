namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// The factor the next latency search scales the table's predictions by, from the plans measured so far: each search
/// keeps the widest plan whose corrected prediction is within the budget, so the factor decides where the next plan lands.
/// </summary>
public static class BudgetCorrection
{
    /// <summary>
    /// With one plan measured at or under the budget and one over it, the uncorrected prediction at which a plan would
    /// measure exactly the budget is interpolated between the closest such pair (a secant), and the factor maps that
    /// prediction onto the budget. Otherwise (every plan so far on one side) the last plan's measured / predicted ratio.
    /// The last ratio alone oscillates when the ratio changes with the plan's size: at alpha 0.25 on the Zen 5 (session 29,
    /// seed 11) a plan of 2.1M MACs ran at 0.55 of its prediction and one of 5.5M at 0.70, so four searches measured
    /// 0.64, 1.24, 0.85 and 1.05 x uniform and kept a plan 15 % under its budget. After the first two (predicted 0.0750
    /// and 0.1147 ms) the last ratio aimed the third search at 0.0922 ms; the secant aims at 0.0986 ms, between the
    /// third and fourth plans (0.0906 ms at 0.85 x, 0.1048 ms at 1.05 x), where the budget lies.
    /// </summary>
    /// <param name="measured">Each measured plan's uncorrected table prediction (ms) and its measured latency over the budget (1 = on it).</param>
    /// <param name="budgetMs">The budget in ms the corrected predictions are compared with.</param>
    /// <param name="tolerance">How far over the budget a plan still meets it (<see cref="Passes.PrunePass.LatencyTolerance"/>).</param>
    public static double Next(IReadOnlyList<(double PredictedMs, double OverBudget)> measured, double budgetMs, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfZero(measured.Count);
        var under = measured.Where(m => m.OverBudget <= 1 + tolerance).ToList();
        var over = measured.Where(m => m.OverBudget > 1 + tolerance).ToList();
        if (under.Count > 0 && over.Count > 0)
        {
            var lo = under.MaxBy(m => m.PredictedMs);
            var hi = over.MinBy(m => m.PredictedMs);
            if (hi.PredictedMs > lo.PredictedMs && hi.OverBudget > lo.OverBudget)
            {
                double atBudget = lo.PredictedMs + (1 - lo.OverBudget) * (hi.PredictedMs - lo.PredictedMs) / (hi.OverBudget - lo.OverBudget);
                return budgetMs / atBudget;
            }
        }
        var last = measured[^1];
        return last.OverBudget * budgetMs / last.PredictedMs;
    }
}
