using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// Sends <c>WATCHDOG=1</c> through <see cref="ISystemdNotifier"/> at half the interval systemd asked for
/// (<c>WATCHDOG_USEC</c>, honouring <c>WATCHDOG_PID</c>). <see cref="Beat"/> is called from the
/// inference loop while the decode loop is alive too, so a hung loop stops the pings and systemd restarts the service.
/// </summary>
public sealed class SystemdWatchdog
{
    private readonly ISystemdNotifier notifier;
    private readonly long intervalTicks;
    private long lastPing;

    /// <summary>Reads the watchdog interval from the environment.</summary>
    public SystemdWatchdog(ISystemdNotifier notifier)
    {
        this.notifier = notifier;
        Interval = ReadInterval();
        intervalTicks = (long)(Interval.TotalSeconds / 2 * Stopwatch.Frequency);
    }

    /// <summary>The interval systemd expects pings within (zero when the watchdog is off).</summary>
    public TimeSpan Interval { get; }

    /// <summary>True when pings are sent.</summary>
    public bool IsEnabled => Interval > TimeSpan.Zero && notifier.IsEnabled;

    /// <summary>Pings when half the interval has passed since the last ping.</summary>
    public void Beat()
    {
        if (!IsEnabled) return;
        long now = Stopwatch.GetTimestamp();
        if (lastPing != 0 && now - lastPing < intervalTicks) return;
        lastPing = now;
        notifier.Notify(new ServiceState("WATCHDOG=1"));
    }

    private static TimeSpan ReadInterval()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return TimeSpan.Zero;
        return long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out long us) && us > 0
            ? TimeSpan.FromMicroseconds(us) : TimeSpan.Zero;
    }
}
