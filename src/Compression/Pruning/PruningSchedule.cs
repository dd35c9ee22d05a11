using System.Globalization;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// How a width cut is split into steps (gradual pruning): <see cref="Steps"/> cuts spaced evenly in
/// <see cref="Unit"/>, or the explicit intermediate widths of <see cref="Widths"/> (uniform width
/// multipliers between the source's and the target's, strictly decreasing). One step = one-shot.
/// </summary>
/// <param name="Steps">Number of cuts (1 = one-shot).</param>
/// <param name="Widths">Explicit intermediate widths (the target is the last step and is not listed); null = evenly spaced.</param>
/// <param name="Unit">What the evenly spaced steps are even in.</param>
public sealed record PruningSchedule(int Steps = 1, IReadOnlyList<double>? Widths = null, ScheduleUnit Unit = ScheduleUnit.Channels)
{
    /// <summary>Most steps accepted.</summary>
    public const int MaxSteps = 32;

    /// <summary>One cut straight to the target.</summary>
    public static PruningSchedule OneShot { get; } = new();

    /// <summary>Number of cuts this schedule makes.</summary>
    public int StepCount => Widths is null ? Steps : Widths.Count + 1;

    /// <summary>
    /// Checks what can be checked without the networks: steps in [1, <see cref="MaxSteps"/>], widths in
    /// (0, 1) and strictly decreasing, steps consistent with the widths. Returns this.
    /// </summary>
    /// <exception cref="ArgumentException">The message names the field (<c>steps</c>, <c>schedule[i]</c>).</exception>
    public PruningSchedule Validate()
    {
        if (Steps < 1 || Steps > MaxSteps)
            throw new ArgumentException($"steps must be in [1, {MaxSteps}] but was {Steps}.", nameof(Steps));
        if (Widths is null) return this;
        if (Widths.Count + 1 > MaxSteps)
            throw new ArgumentException($"schedule has {Widths.Count} widths; at most {MaxSteps - 1}.", nameof(Widths));
        if (Steps != 1 && Steps != Widths.Count + 1)
            throw new ArgumentException($"steps {Steps} contradicts schedule, which makes {Widths.Count + 1} steps; give one or the other.", nameof(Steps));
        for (int i = 0; i < Widths.Count; i++)
        {
            if (!(Widths[i] > 0 && Widths[i] < 1))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"schedule[{i}] must be a width in (0, 1) but was {Widths[i]}."), nameof(Widths));
            if (i > 0 && !(Widths[i] < Widths[i - 1]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"schedule[{i}] ({Widths[i]}) must be below schedule[{i - 1}] ({Widths[i - 1]}): widths shrink step by step."), nameof(Widths));
        }
        return this;
    }

    /// <summary>
    /// The channel plan after each step, the last being <paramref name="target"/>. Steps interpolate every
    /// layer between the source's and the target's widths (for a uniform target in channel units: the
    /// uniform plans of the intermediate alphas); each plan is at most the previous one and at least the target.
    /// </summary>
    /// <param name="source">Channel plan of the network before pruning.</param>
    /// <param name="sourceAlpha">Its nominal width.</param>
    /// <param name="target">Channel plan to reach.</param>
    /// <param name="targetAlpha">Its nominal width (the uniform alpha when uniform).</param>
    /// <param name="macs">MAC count of a plan (used in <see cref="ScheduleUnit.Macs"/>).</param>
    /// <exception cref="ArgumentException">A width outside (target, source); the message names <c>schedule[i]</c>.</exception>
    public IReadOnlyList<IReadOnlyList<int>> Plans(IReadOnlyList<int> source, double sourceAlpha, IReadOnlyList<int> target, double targetAlpha, Func<IReadOnlyList<int>, long> macs)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(macs);
        Validate();
        bool uniformTarget = MobileNetV1.IsUniform(target, targetAlpha);
        var plans = new List<IReadOnlyList<int>>();
        int count = StepCount;
        for (int k = 1; k < count; k++)
        {
            IReadOnlyList<int> plan;
            if (Widths is not null)
            {
                double w = Widths[k - 1];
                if (!(w < sourceAlpha && w > targetAlpha))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"schedule[{k - 1}] ({w}) must lie strictly between the target width {targetAlpha} and the source's {sourceAlpha}."), nameof(Widths));
                plan = uniformTarget ? MobileNetV1.Channels(w) : Interpolate(source, target, (sourceAlpha - w) / (sourceAlpha - targetAlpha));
            }
            else if (Unit == ScheduleUnit.Macs)
            {
                long goal = macs(source) - (long)Math.Round((macs(source) - macs(target)) * (double)k / count);
                plan = Interpolate(source, target, Bisect(t => macs(Interpolate(source, target, t)) <= goal));
            }
            else
            {
                double t = (double)k / count;
                plan = uniformTarget ? MobileNetV1.Channels(sourceAlpha - t * (sourceAlpha - targetAlpha)) : Interpolate(source, target, t);
            }
            var previous = plans.Count > 0 ? plans[^1] : source;
            plans.Add(plan.Select((c, i) => Math.Clamp(c, target[i], previous[i])).ToArray());
        }
        plans.Add(target.ToArray());
        return plans;
    }

    /// <summary>The plan a fraction <paramref name="t"/> of the way from <paramref name="source"/> to <paramref name="target"/>, rounded to whole channels.</summary>
    public static IReadOnlyList<int> Interpolate(IReadOnlyList<int> source, IReadOnlyList<int> target, double t) =>
        source.Select((c, i) => (int)Math.Round(c + Math.Clamp(t, 0, 1) * (target[i] - c))).ToArray();

    /// <summary>Smallest t in [0, 1] where <paramref name="reached"/> holds (it is monotone in t).</summary>
    private static double Bisect(Func<double, bool> reached)
    {
        double lo = 0, hi = 1;
        for (int i = 0; i < 40; i++)
        {
            double mid = (lo + hi) / 2;
            if (reached(mid)) hi = mid;
            else lo = mid;
        }
        return hi;
    }
}
