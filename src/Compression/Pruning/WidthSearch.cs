using System.Globalization;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Greedy per-layer width search (NetAdapt-style): starting from the source's plan, repeatedly take
/// <see cref="Granularity"/> channels from the layer whose estimated accuracy drop per unit of cost
/// saved is smallest, until the plan's cost is within the budget. The cost is anything monotone in
/// the widths: MACs (<c>MobileNetV1.Macs</c>) or latency summed from a per-layer table measured on the
/// target machine; the drop estimate normally comes from <see cref="SensitivityReport.Drop"/>.
/// </summary>
public static class WidthSearch
{
    /// <summary>Channels removed from one layer per greedy step (the MakeDivisible divisor).</summary>
    public const int Granularity = 8;

    /// <summary>Searches a plan whose cost is at most <paramref name="budget"/>.</summary>
    /// <param name="source">Channel plan to start from (nothing grows).</param>
    /// <param name="cost">Cost of a plan (MACs, milliseconds...).</param>
    /// <param name="budget">Largest cost accepted.</param>
    /// <param name="drop">Estimated accuracy drop of layer l keeping a fraction of its source channels.</param>
    /// <param name="budgetName">Setting named in errors (<c>targetMacs</c>, <c>targetLatencyMs</c>).</param>
    /// <param name="minChannels">Fewest channels any layer keeps.</param>
    /// <exception cref="ArgumentException">The budget cannot be met even at <paramref name="minChannels"/> everywhere.</exception>
    public static IReadOnlyList<int> Search(IReadOnlyList<int> source, Func<IReadOnlyList<int>, double> cost, double budget,
        Func<int, double, double> drop, string budgetName = "budget", int minChannels = Granularity)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(drop);
        var floor = source.Select(c => Math.Min(c, minChannels)).ToArray();
        double smallest = cost(floor);
        if (!(budget >= smallest))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{budgetName}: {budget:G6} cannot be met; the narrowest plan ({minChannels} channels a layer, minChannels) costs {smallest:G6}."), budgetName);
        var plan = source.ToArray();
        double current = cost(plan);
        while (current > budget)
        {
            int best = -1, fallback = -1;
            double bestScore = double.PositiveInfinity, bestCost = current, fallbackHarm = double.PositiveInfinity, fallbackCost = current;
            for (int layer = 0; layer < plan.Length; layer++)
            {
                int next = Math.Max(floor[layer], plan[layer] - Granularity);
                if (next == plan[layer]) continue;
                var candidate = (int[])plan.Clone();
                candidate[layer] = next;
                double c = cost(candidate);
                double saved = current - c;
                double harm = drop(layer, next / (double)source[layer]) - drop(layer, plan[layer] / (double)source[layer]);
                if (harm < fallbackHarm)
                {
                    fallbackHarm = harm;
                    fallback = layer;
                    fallbackCost = c;
                }
                if (saved <= 0) continue;
                double score = Math.Max(0, harm) / saved;
                if (score < bestScore)
                {
                    bestScore = score;
                    best = layer;
                    bestCost = c;
                }
            }
            // A measured table is noisy: one step may save nothing anywhere although narrower plans meet the budget
            // (the floor does); then shrink the least harmful layer and go on.
            if (best < 0 && fallback >= 0)
            {
                best = fallback;
                bestCost = fallbackCost;
            }
            if (best < 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{budgetName}: {budget:G6} cannot be met; no layer can shrink further at cost {current:G6}."), budgetName);
            plan[best] = Math.Max(floor[best], plan[best] - Granularity);
            current = bestCost;
        }
        return plan;
    }
}
