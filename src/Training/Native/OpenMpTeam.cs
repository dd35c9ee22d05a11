using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// Runs managed work on libtorch's own OpenMP thread team (<c>GOMP_parallel</c> of the libgomp that libtorch loaded), the
/// threads that run libtorch's parallel kernels.
/// </summary>
/// <remarks>
/// Why not .NET's thread pool: between two parallel libtorch operations the OpenMP workers busy-wait for the next one
/// (libgomp spins about 300,000 times before it sleeps). Work handed to a .NET thread in that window competes with a
/// spinning worker for the same core: measured on the 2-core AMD EPYC, a batch norm split over .NET threads made a
/// MobileNet v1 training step slower than libtorch's own kernel, while the same split on the OpenMP team is picked up
/// at once by the waiting worker. Where no libgomp is loaded (libtorch builds for other platforms use other OpenMP
/// runtimes), <see cref="Run"/> runs every part on the calling thread.
/// </remarks>
internal static unsafe class OpenMpTeam
{
    private static readonly delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void> Parallel;
    private static readonly delegate* unmanaged<int> ThreadNumber;

    static OpenMpTeam()
    {
        if (!OperatingSystem.IsLinux()) return;
        string? path = LoadedLibgomp();
        if (path is null || !NativeLibrary.TryLoad(path, out var library)) return;
        if (NativeLibrary.TryGetExport(library, "GOMP_parallel", out var parallel)
            && NativeLibrary.TryGetExport(library, "omp_get_thread_num", out var threadNumber))
        {
            Parallel = (delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void>)parallel;
            ThreadNumber = (delegate* unmanaged<int>)threadNumber;
        }
    }

    /// <summary>Whether work runs on the OpenMP team (otherwise on the calling thread).</summary>
    public static bool Available => Parallel != null;

    /// <summary>
    /// Calls <paramref name="body"/>(part) for part = 0 .. <paramref name="parts"/> - 1, each part on its own thread of
    /// the team, and returns when all have; an exception thrown by a part is rethrown here.
    /// </summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1 || !Available)
        {
            for (int part = 0; part < parts; part++) body(part);
            return;
        }
        var work = new Work(body, parts);
        var handle = GCHandle.Alloc(work);
        try
        {
            Parallel(&Callback, (void*)GCHandle.ToIntPtr(handle), (uint)parts, 0);
        }
        finally
        {
            handle.Free();
        }
        // A team smaller than asked for (nested or limited OpenMP) leaves parts undone: run them here.
        for (int part = 0; part < parts; part++)
            if (!work.Done[part]) body(part);
        if (work.Error is not null) throw new AggregateException(work.Error);
    }

    [UnmanagedCallersOnly]
    private static void Callback(void* data)
    {
        var work = (Work)GCHandle.FromIntPtr((nint)data).Target!;
        int part = ThreadNumber();
        if (part >= work.Parts) return;
        try
        {
            work.Body(part);
        }
        catch (Exception e)
        {
            work.Error = e;
        }
        work.Done[part] = true;
    }

    private sealed class Work(Action<int> body, int parts)
    {
        public Action<int> Body { get; } = body;
        public int Parts { get; } = parts;
        public bool[] Done { get; } = new bool[parts];
        public Exception? Error { get; set; }
    }

    // The libgomp this process mapped (libtorch's, loaded with it), from /proc/self/maps.
    private static string? LoadedLibgomp()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                string path = line[slash..];
                if (Path.GetFileName(path).StartsWith("libgomp", StringComparison.Ordinal)) return path;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
