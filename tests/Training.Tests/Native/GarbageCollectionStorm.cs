namespace EdgeToolkit.Training.Tests.Native;

/// <summary>
/// A thread that collects garbage and runs finalizers without pause, so a TorchSharp object that becomes
/// unreachable while libtorch still uses it is freed at once (what a rare collection started by the batch
/// prefetch did in CI). Disposing stops the thread.
/// </summary>
internal sealed class GarbageCollectionStorm : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public GarbageCollectionStorm()
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Collections++;
            }
        }) { IsBackground = true, Name = "gc storm" };
        _thread.Start();
    }

    /// <summary>Collections made so far.</summary>
    public long Collections { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
