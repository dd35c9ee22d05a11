using System.Diagnostics;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Times the first training steps of a budgeted run, wall clock from the end of one step to the end
/// of the next (data loading included): the first <see cref="UntimedSteps"/> (which allocate) are
/// skipped, then steps are timed until there are at least <see cref="MinTimedSteps"/> and they took
/// at least 2 % of the budget (at most a minute), or the epoch's data ends.
/// </summary>
internal sealed class ThroughputProbe(TimeSpan budget)
{
    /// <summary>Steps not timed at the start.</summary>
    public const int UntimedSteps = 2;

    /// <summary>Fewest timed steps before planning (unless the epoch ends first).</summary>
    public const int MinTimedSteps = 10;

    private readonly double _minSeconds = Math.Min(60, budget.TotalSeconds * 0.02);
    private readonly long _created = Stopwatch.GetTimestamp();
    private long _previous;
    private double _timedSeconds;
    private int _steps;

    /// <summary>Steps timed so far.</summary>
    public int TimedSteps { get; private set; }

    /// <summary>Mean wall seconds per timed step.</summary>
    public double SecondsPerStep => Math.Max(_timedSeconds / Math.Max(1, TimedSteps), 1e-9);

    /// <summary>Records that a step ended; true when the measurement is complete.</summary>
    /// <param name="lastOfEpoch">The step was the epoch's last: plan with what was measured.</param>
    public bool Step(bool lastOfEpoch)
    {
        long now = Stopwatch.GetTimestamp();
        _steps++;
        if (_steps > UntimedSteps)
        {
            _timedSeconds += Stopwatch.GetElapsedTime(_previous, now).TotalSeconds;
            TimedSteps++;
        }
        _previous = now;
        if (TimedSteps == 0 && lastOfEpoch)
        {
            // An epoch too short to skip the first steps: time them all.
            _timedSeconds = Stopwatch.GetElapsedTime(_created, now).TotalSeconds;
            TimedSteps = _steps;
            return true;
        }
        return lastOfEpoch || (TimedSteps >= MinTimedSteps && _timedSeconds >= _minSeconds);
    }
}
