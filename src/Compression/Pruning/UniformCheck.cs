namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// A searched plan against uniform width within the same budget, both cut from the source and measured on the held-out
/// slice (<see cref="HeldOutSlice"/>) before fine-tuning. The search adds per-layer drops measured one layer at a time
/// (<see cref="SensitivityReport.Drop"/>); layers cut together can cost more than their sum, and then the plan loses to
/// uniform width although its estimate said otherwise (docs/pruning.md, seed 11: four neighbouring layers at their
/// sensitivity floor, held-out 17.9 % against uniform's 24.4 % after the cut, -1.13 points in int8 after fine-tuning).
/// The candidates are tried in the order given (the preferred first) and the first that scores at least uniform's
/// accuracy is kept; when none does, uniform width is (NetAdapt chooses among its proposals by measured accuracy too).
/// Measured on 13 plans of four seeds (docs/pruning.md, "Checking a plan against uniform width"): the sign of plan minus
/// uniform on the slice after the cut was the sign of their int8 difference after three distilled epochs every time.
/// </summary>
public static class UniformCheck
{
    /// <summary>Measures <paramref name="uniform"/> and then the candidates in order, until one scores at least as well.</summary>
    /// <param name="candidates">Plans within the budget, the preferred first.</param>
    /// <param name="uniform">Uniform width within the same budget.</param>
    /// <param name="accuracy">Held-out top-1 of the source cut to a plan (<see cref="HeldOutSlice.Accuracy"/>).</param>
    public static UniformCheckResult Choose(IReadOnlyList<IReadOnlyList<int>> candidates, IReadOnlyList<int> uniform, Func<IReadOnlyList<int>, double> accuracy)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(uniform);
        ArgumentNullException.ThrowIfNull(accuracy);
        double uniformAccuracy = accuracy(uniform);
        var scored = new List<PlanScore>();
        foreach (var candidate in candidates)
        {
            double score = candidate.SequenceEqual(uniform) ? uniformAccuracy : accuracy(candidate);
            scored.Add(new PlanScore(candidate, score));
            if (score >= uniformAccuracy) return new UniformCheckResult(candidate, uniform, uniformAccuracy, scored);
        }
        return new UniformCheckResult(uniform, uniform, uniformAccuracy, scored);
    }
}

/// <summary>A plan and its held-out top-1 after the cut (BatchNorm recalibrated).</summary>
/// <param name="Plan">Channels per layer.</param>
/// <param name="HeldOutAccuracy">Top-1 on the held-out slice, 0..1.</param>
public sealed record PlanScore(IReadOnlyList<int> Plan, double HeldOutAccuracy);

/// <summary>What <see cref="UniformCheck.Choose"/> kept and the figures it decided on.</summary>
/// <param name="Kept">The plan kept: the first candidate scoring at least uniform's accuracy, or <paramref name="Uniform"/>.</param>
/// <param name="Uniform">Uniform width within the budget.</param>
/// <param name="UniformAccuracy">Its held-out top-1 after the cut.</param>
/// <param name="Candidates">The candidates measured, in order (the ones after the kept plan were not).</param>
public sealed record UniformCheckResult(IReadOnlyList<int> Kept, IReadOnlyList<int> Uniform, double UniformAccuracy, IReadOnlyList<PlanScore> Candidates)
{
    /// <summary>True when no candidate scored as well as uniform width (so uniform was kept).</summary>
    public bool KeptUniform => Candidates.All(c => c.HeldOutAccuracy < UniformAccuracy);
}
