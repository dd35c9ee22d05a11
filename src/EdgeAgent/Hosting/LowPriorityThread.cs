using System.Runtime.InteropServices;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// Starts the agent's helper threads (live page encoder, capture writer) below the pipeline's priority, so that on
/// a device whose cores the pipeline keeps busy they take the time it leaves. <see cref="ThreadPriority"/> does
/// nothing on Linux (.NET maps it to a scheduling parameter that SCHED_OTHER ignores), so on Linux the thread raises
/// its own nice value by <see cref="NiceIncrement"/> (lowering one's own priority needs no privilege). At nice +10 the
/// kernel gives such a thread about a tenth of a core's time while a pipeline thread wants that core.
/// </summary>
public static class LowPriorityThread
{
    /// <summary>How far above the creating thread's nice value (normally 0) a helper thread runs on Linux; capped at 19.</summary>
    public const int NiceIncrement = 10;

    /// <summary>Starts <paramref name="body"/> on a new background thread named <paramref name="name"/> (at most 15 characters show on Linux).</summary>
    public static Thread Start(string name, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var thread = new Thread(() =>
        {
            LowerOwnPriority();
            body();
        })
        { IsBackground = true, Name = name, Priority = ThreadPriority.BelowNormal };
        thread.Start();
        return thread;
    }

    private static void LowerOwnPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            // PRIO_PROCESS with a thread id reads and sets that thread's nice value (Linux schedules threads one by one);
            // a new thread starts at its creator's.
            int tid = NativeMethods.gettid();
            int nice = NativeMethods.getpriority(0, tid);
            _ = NativeMethods.setpriority(0, tid, Math.Min(19, nice + NiceIncrement));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // An old libc without gettid: the thread keeps the process's priority.
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "gettid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int gettid();

        [DllImport("libc", EntryPoint = "getpriority")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int getpriority(int which, int who);

        [DllImport("libc", EntryPoint = "setpriority")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int setpriority(int which, int who, int prio);
    }
}
