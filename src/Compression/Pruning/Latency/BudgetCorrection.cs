namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// The factor the next latency search scales the table's predictions by, from the plans measured so far: each search
/// keeps the widest plan whose corrected prediction is within the budget, so the factor decides where the next plan lands.
/// </summary>
public static class BudgetCorrection
{
    /// <summary>
    /// Once a plan was measured within the budget and one over it, the uncorrected prediction at which a plan would
    /// measure exactly the budget is found between the closest such pair on the line through them in log-log space
    /// (measured time grows as a power of the prediction: the plans of session 29's seed 11 ran at 0.55 of their
    /// prediction at 2.1M MACs and at 0.70 at 5.5M), and the factor maps that prediction onto the budget. When the last
    /// plans all fell on one side, the pair's other end counts half as far from the budget for each repeat (the Illinois
    /// rule): measured time can step up between two plans (seed 11: between plans predicted 0.100 and 0.110 ms), and the
    /// line through a plan far over the step then aims just above the plan under it, one small step a search.
    /// Simulated on power laws with steps of 1 to 3 x (<c>docs/pruning.md</c>; the test
    /// <c>On_power_laws_with_a_step_the_searches_end_near_the_budget_where_a_straight_secant_fell_short</c>), eight searches
    /// end within 5 % of the budget in 237 of 252 cases (a straight secant: 163; session 29's straight secant with four
    /// searches: 87). With every plan so far on one side: the last plan's measured / predicted ratio.
    /// </summary>
    /// <param name="measured">Each measured plan's uncorrected table prediction (ms) and its measured latency over the budget (1 = on it), in the order measured.</param>
    /// <param name="budgetMs">The budget in ms the corrected predictions are compared with.</param>
    /// <param name="tolerance">How far over the budget a plan still meets it (<see cref="Passes.PrunePass.LatencyTolerance"/>).</param>
    public static double Next(IReadOnlyList<(double PredictedMs, double OverBudget)> measured, double budgetMs, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfZero(measured.Count);
        if (Bracket(measured, tolerance) is var (lo, hi))
        {
            double fLo = Math.Log(lo.OverBudget), fHi = Math.Log(hi.OverBudget);
            bool lastWithin = measured[^1].OverBudget <= 1 + tolerance;
            int repeats = measured.Reverse().TakeWhile(m => m.OverBudget <= 1 + tolerance == lastWithin).Count() - 1;
            if (lastWithin) fHi /= Math.Pow(2, repeats);
            else fLo /= Math.Pow(2, repeats);
            double xLo = Math.Log(lo.PredictedMs), xHi = Math.Log(hi.PredictedMs);
            return budgetMs / Math.Exp(xLo - fLo * (xHi - xLo) / (fHi - fLo));
        }
        var last = measured[^1];
        return last.OverBudget * budgetMs / last.PredictedMs;
    }

    /// <summary>
    /// The factor that aims at the geometric middle of the closest pair within and over the budget, for when the search
    /// at <see cref="Next"/>'s factor found a plan already measured; null without such a pair.
    /// </summary>
    public static double? Midpoint(IReadOnlyList<(double PredictedMs, double OverBudget)> measured, double budgetMs, double tolerance) =>
        Bracket(measured, tolerance) is var (lo, hi) ? budgetMs / Math.Sqrt(lo.PredictedMs * hi.PredictedMs) : null;

    /// <summary>
    /// The factor at which a search passes the narrowest plan measured over the budget (its corrected prediction just
    /// over the budget) and returns the next plan of its greedy path, for when the plan at <see cref="Midpoint"/> was
    /// measured already too; null without a pair within and over the budget. Scaling the predictions does not change the
    /// greedy path (each step's accuracy cost per time saved scales alike), only where on it a search stops, so the
    /// plans between the pair are the path's plans predicted between them: the midpoint's factor may land on the pair's
    /// plan within the budget while a plan closer under the step lies next to the one over it (a test model's plans
    /// measured 0.925 and 1.51 x the budget, and the midpoint search returned the first; the plan after the second
    /// measured 0.96).
    /// </summary>
    public static double? PastNarrowestOver(IReadOnlyList<(double PredictedMs, double OverBudget)> measured, double budgetMs, double tolerance) =>
        Bracket(measured, tolerance) is var (_, hi) ? budgetMs / (hi.PredictedMs * (1 - 1e-9)) : null;

    /// <summary>
    /// The widest plan within the budget and the narrowest over it, when the wider one also measured slower (otherwise the
    /// machine's speed switched between them and they are no line to follow).
    /// </summary>
    private static ((double PredictedMs, double OverBudget) Lo, (double PredictedMs, double OverBudget) Hi)? Bracket(
        IReadOnlyList<(double PredictedMs, double OverBudget)> measured, double tolerance)
    {
        var under = measured.Where(m => m.OverBudget <= 1 + tolerance).ToList();
        var over = measured.Where(m => m.OverBudget > 1 + tolerance).ToList();
        if (under.Count == 0 || over.Count == 0) return null;
        var lo = under.MaxBy(m => m.PredictedMs);
        var hi = over.MinBy(m => m.PredictedMs);
        return hi.PredictedMs > lo.PredictedMs && hi.OverBudget > lo.OverBudget ? (lo, hi) : null;
    }
}
