using System.Globalization;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Greedy per-layer width search (NetAdapt-style): starting from the source's plan, repeatedly take
/// a step of channels (<see cref="Granularity"/> by default) from the layer whose estimated accuracy drop per unit of cost
/// saved is smallest, until the plan's cost is within the budget. The cost is MACs (<c>MobileNetV1.Macs</c>)
/// or latency summed from a per-layer table measured on the target machine (not always monotone in the widths:
/// see <c>feasible</c>); the drop estimate normally comes from <see cref="SensitivityReport.Drop"/>.
/// </summary>
public static class WidthSearch
{
    /// <summary>Channels removed from one layer per greedy step by default (the MakeDivisible divisor).</summary>
    public const int Granularity = 8;

    /// <summary>The narrowest plan <see cref="Search"/> may reach from <paramref name="source"/>: every layer at
    /// <paramref name="minChannels"/> or its <paramref name="floor"/>, whichever is wider, and never wider than the source.</summary>
    /// <param name="source">Channel plan the search starts from.</param>
    /// <param name="minChannels">Fewest channels any layer keeps.</param>
    /// <param name="floor">Fewest channels per layer, on top of <paramref name="minChannels"/> (null = none).</param>
    public static int[] Narrowest(IReadOnlyList<int> source, int minChannels = Granularity, IReadOnlyList<int>? floor = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select((c, l) => Math.Min(c, Math.Max(minChannels, floor is null ? 0 : floor[l]))).ToArray();
    }

    /// <summary>Searches a plan whose cost is at most <paramref name="budget"/>.</summary>
    /// <param name="source">Channel plan to start from (nothing grows).</param>
    /// <param name="cost">Cost of a plan (MACs, milliseconds...).</param>
    /// <param name="budget">Largest cost accepted.</param>
    /// <param name="drop">Estimated accuracy drop of layer l keeping a fraction of its source channels.</param>
    /// <param name="budgetName">Setting named in errors (<c>targetMacs</c>, <c>targetLatencyMs</c>).</param>
    /// <param name="minChannels">Fewest channels any layer keeps.</param>
    /// <param name="feasible">A plan known to be within the budget (a latency budget set as "as fast as uniform alpha A":
    /// that alpha's plan), or null. Measured latency is not monotone in the widths: on an AVX-512 x86 CPU a layer of 8
    /// channels runs slower than one of 16 (ONNX Runtime's blocked convolutions work in 16-channel blocks; at 32x32 a
    /// separable layer 8 -> 8 measured 0.050 ms, 8 -> 16 0.033 ms), so the narrowest plan may cost more than the budget
    /// although wider plans meet it. With <paramref name="feasible"/> the search does not give up on the narrowest plan's
    /// cost, and when its greedy path finds nothing within the budget it returns <paramref name="feasible"/>.</param>
    /// <param name="floor">Fewest channels per layer, on top of <paramref name="minChannels"/> (null = none): the
    /// sensitivity analysis's deepest measured cut (<see cref="SensitivityReport.MeasuredFloor"/>).</param>
    /// <param name="step">Channels one greedy step removes from a layer (the last step of a layer stops at its floor).
    /// From a source whose widths are multiples of it, every width the search visits is one too (down to the floor).</param>
    /// <exception cref="ArgumentException">The budget cannot be met even at <paramref name="minChannels"/> (or
    /// <paramref name="floor"/>) everywhere (and no feasible plan is within it).</exception>
    public static IReadOnlyList<int> Search(IReadOnlyList<int> source, Func<IReadOnlyList<int>, double> cost, double budget,
        Func<int, double, double> drop, string budgetName = "budget", int minChannels = Granularity, IReadOnlyList<int>? feasible = null,
        IReadOnlyList<int>? floor = null, int step = Granularity)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(drop);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        var floors = Narrowest(source, minChannels, floor);
        // (A relative tolerance: a budget calibrated at the feasible plan equals its cost up to rounding.)
        if (feasible is not null && !(cost(feasible) <= budget * (1 + 1e-9))) feasible = null;
        double smallest = cost(floors);
        if (!(budget >= smallest) && feasible is null)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{budgetName}: {budget:G6} cannot be met; the narrowest plan ({(floor is null ? $"{minChannels} channels a layer, minChannels" : $"{string.Join(",", floors)} channels: minChannels and the sensitivity analysis's deepest measured cut")}) costs {smallest:G6}."), budgetName);
        var plan = source.ToArray();
        double current = cost(plan);
        while (current > budget)
        {
            int best = -1, fallback = -1;
            double bestScore = double.PositiveInfinity, bestCost = current, fallbackHarm = double.PositiveInfinity, fallbackCost = current;
            for (int layer = 0; layer < plan.Length; layer++)
            {
                int next = Math.Max(floors[layer], plan[layer] - step);
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
            if (best < 0 && feasible is not null) return feasible;
            if (best < 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{budgetName}: {budget:G6} cannot be met; no layer can shrink further at cost {current:G6}."), budgetName);
            plan[best] = Math.Max(floors[best], plan[best] - step);
            current = bestCost;
        }
        return plan;
    }
}
