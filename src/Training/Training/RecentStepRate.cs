namespace EdgeToolkit.Training.Training;

/// <summary>
/// The training rate a time-budgeted run re-plans on (<see cref="TrainingPlan.Replan"/>), from the
/// measurement windows the trainer records (each 5 % of an epoch, evaluations excluded).
/// <see cref="For"/> the rest of the run: while the rest is longer than the windows held (an epoch), the
/// step-weighted mean over them; once it is not, the larger of that mean and the median of the last three.
/// Why not the last window alone: a 30-minute MobileNet run at load 1.5-3.9 (2026-12-01,
/// docs/benchmarks.md) re-sized its plan 14 times, because a single slow 23-step window (another
/// process waking for a moment) shortened it and the next normal window lengthened it back, each
/// time moving the cosine schedule's position. Why not the median everywhere: the next run (load 6-9,
/// another engineer's builds coming and going) still re-sized 10 times in 20 minutes, on bursts of two
/// windows, because the median of the last three was laid over the whole rest of the run. Over a long
/// rest, a burst changes little and the mean over an epoch is the better forecast (it also counts the
/// time that brief bursts do take when they keep coming); the elapsed time the plan is checked against
/// already holds whatever a burst cost. Near the end there is no later re-plan to correct a forecast, so
/// a slowdown that lasts two windows counts at once (the larger of the two: the cautious side of a budget).
/// </summary>
public sealed class RecentStepRate
{
    private const int MedianWindows = 3;
    private readonly (double Seconds, long Steps)[] _windows;
    private int _count;
    private int _next;

    /// <param name="capacity">Windows the mean is taken over (at least 3).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 3.</exception>
    public RecentStepRate(int capacity = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, MedianWindows);
        _windows = new (double, long)[capacity];
    }

    /// <summary>Windows the mean is taken over.</summary>
    public int Capacity => _windows.Length;

    /// <summary>Windows held (at most <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>Records a window of <paramref name="steps"/> steps that took <paramref name="seconds"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Steps not positive, or seconds negative or not finite.</exception>
    public void Add(double seconds, long steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!(double.IsFinite(seconds) && seconds >= 0))
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "seconds must be 0 or more.");
        _windows[_next] = (seconds, steps);
        _next = (_next + 1) % _windows.Length;
        _count = Math.Min(_count + 1, _windows.Length);
    }

    /// <summary>
    /// Seconds per step to plan the remaining <paramref name="remainingSteps"/> on: the mean over the windows held,
    /// or, when the rest is no longer than the steps they span and three are held, the larger of that mean and the
    /// median of the last three; null before any window.
    /// </summary>
    public double? For(long remainingSteps)
    {
        if (_count == 0) return null;
        double seconds = 0;
        long steps = 0;
        for (int i = 0; i < _count; i++)
        {
            seconds += _windows[i].Seconds;
            steps += _windows[i].Steps;
        }
        double mean = seconds / steps;
        if (_count < MedianWindows || remainingSteps > steps) return mean;
        double a = Rate(1), b = Rate(2), c = Rate(3);
        double median = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        return Math.Max(mean, median);
    }

    // The rate of the window recorded `back` windows ago (1 = the latest).
    private double Rate(int back)
    {
        var (seconds, steps) = _windows[(_next - back + _windows.Length) % _windows.Length];
        return seconds / steps;
    }
}
