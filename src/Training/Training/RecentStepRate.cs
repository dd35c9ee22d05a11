namespace EdgeToolkit.Training.Training;

/// <summary>
/// The training rate a time-budgeted run re-plans on (<see cref="TrainingPlan.Replan"/>), from the
/// measurement windows the trainer records (each 5 % of an epoch, evaluations excluded): the larger
/// of the step-weighted mean over the last <see cref="Capacity"/> windows (an epoch) and the median
/// of the last three.
/// Why not the last window alone: a 30-minute MobileNet run at load 1.5-3.9 (2026-12-01,
/// docs/benchmarks.md) re-sized its plan 14 times, because a single slow 23-step window (another
/// process waking for a moment) shortened it and the next normal window lengthened it back, each
/// time moving the cosine schedule's position. The median ignores one outlying window and follows a
/// change that lasts two, so a real slowdown still shortens the run within a tenth of an epoch; the
/// mean over an epoch counts the time that brief bursts do take when they keep coming (a median
/// alone would ignore a burst every fourth window and the run would end late). Taking the larger is
/// the cautious side for a budget: the run is lengthened only when both say the machine got faster.
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
    /// Seconds per step to plan the rest of the run on: the larger of the mean over the windows held and,
    /// once three are held, the median of the last three; null before any window.
    /// </summary>
    public double? SecondsPerStep
    {
        get
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
            if (_count < MedianWindows) return mean;
            double a = Rate(1), b = Rate(2), c = Rate(3);
            double median = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            return Math.Max(mean, median);
        }
    }

    // The rate of the window recorded `back` windows ago (1 = the latest).
    private double Rate(int back)
    {
        var (seconds, steps) = _windows[(_next - back + _windows.Length) % _windows.Length];
        return seconds / steps;
    }
}
