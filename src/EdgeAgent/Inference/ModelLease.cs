namespace EdgeToolkit.EdgeAgent.Inference;

/// <summary>A reference-counted hold on a <see cref="ModelRunner"/>; the runner is disposed when retired and released by all holders.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly ModelHost host;
    private int references = 1; // the host's own reference
    private bool retired;

    internal ModelLease(ModelHost host, ModelRunner runner, int generation)
    {
        this.host = host;
        Runner = runner;
        Generation = generation;
    }

    /// <summary>The runner held.</summary>
    public ModelRunner Runner { get; }

    /// <summary>The load number of this model (<see cref="ModelHost.Generation"/> once it serves).</summary>
    public int Generation { get; }

    internal void AddRef() => references++;

    internal void Retire()
    {
        lock (host.Gate)
        {
            if (retired) return;
            retired = true;
        }
        Dispose();
    }

    /// <summary>Releases this hold.</summary>
    public void Dispose()
    {
        bool last;
        lock (host.Gate) last = --references == 0;
        if (last) Runner.Dispose();
    }
}
