using System.Runtime.InteropServices;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// While at least one instance is alive, glibc keeps freed native memory in its heap for reuse instead
/// of handing each large block back to the kernel. libtorch allocates every activation and gradient
/// afresh each step (a DenseNet-BC-40 activation at batch 128 and 32x32 is up to 88 MB), and glibc
/// serves blocks above its mmap threshold (32 MB at most) with their own mmap/munmap, so without this
/// every step pays a page fault and a kernel zero-fill for each page of each large tensor.
/// </summary>
/// <remarks>
/// Sets <c>M_MMAP_MAX</c> = 0, <c>M_TRIM_THRESHOLD</c> = max and <c>M_TOP_PAD</c> = 64 MB with
/// <c>mallopt</c>; disposing the last instance restores glibc's documented defaults (65536, 128 KiB,
/// 128 KiB) and calls <c>malloc_trim(0)</c> to return the retained memory. Process-wide; reference
/// counted so concurrent trainings share it. The process keeps its peak native heap while retained.
/// A no-op outside Linux or where libc has no <c>mallopt</c> (musl).
/// </remarks>
public sealed class NativeHeapRetention : IDisposable
{
    private const int MTrimThreshold = -1;
    private const int MTopPad = -2;
    private const int MMmapMax = -4;
    private const int DefaultMmapMax = 65536;
    private const int DefaultTrimThreshold = 128 * 1024;
    private const int DefaultTopPad = 128 * 1024;
    private const int RetainedTopPad = 64 << 20;

    private static readonly Lock Gate = new();
    private static int s_holders;
    private static bool s_applied;
    private bool _disposed;

    /// <summary>Starts retaining freed native memory (or joins a retention already in force).</summary>
    public NativeHeapRetention()
    {
        lock (Gate)
        {
            if (s_holders++ == 0)
                s_applied = TrySet(0, int.MaxValue, RetainedTopPad);
        }
    }

    /// <summary>Whether glibc accepted the settings (false outside Linux/glibc).</summary>
    public static bool IsActive
    {
        get
        {
            lock (Gate) return s_holders > 0 && s_applied;
        }
    }

    /// <summary>Stops retaining when this is the last holder and returns the retained memory to the kernel.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Gate)
        {
            if (--s_holders > 0 || !s_applied) return;
            TrySet(DefaultMmapMax, DefaultTrimThreshold, DefaultTopPad);
            try
            {
                _ = NativeMethods.malloc_trim(0);
            }
            catch (EntryPointNotFoundException)
            {
            }
            s_applied = false;
        }
    }

    private static bool TrySet(int mmapMax, int trimThreshold, int topPad)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            // mallopt returns 1 on success.
            return NativeMethods.mallopt(MMmapMax, mmapMax) == 1
                & NativeMethods.mallopt(MTrimThreshold, trimThreshold) == 1
                & NativeMethods.mallopt(MTopPad, topPad) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "mallopt")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int mallopt(int param, int value);

        [DllImport("libc", EntryPoint = "malloc_trim")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int malloc_trim(nuint pad);
    }
}
