using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging as in timm's <c>ModelEmaV2</c>): after every
/// step each floating-point state_dict entry (parameters and BatchNorm running statistics) moves toward the model's by
/// <c>1 - d</c>, with <c>d = min(decay, (1 + t) / (10 + t))</c> at step t so the average forgets the random start
/// quickly; integer entries (BatchNorm's batch counter) are copied. <see cref="Apply"/> puts the average into the model
/// for an evaluation or a checkpoint and restores the trained weights afterwards.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly (Tensor Live, Tensor Average, bool Floating)[] _entries;
    private readonly double _decay;

    /// <summary>Starts the average at the model's current weights.</summary>
    public WeightAverage(nn.Module model, double decay)
    {
        _decay = decay;
        using var noGrad = torch.no_grad();
        _entries = model.state_dict()
            .Select(kv => (kv.Value, kv.Value.detach().clone().DetachFromDisposeScope(), kv.Value.is_floating_point()))
            .ToArray();
    }

    /// <summary>Moves the average one step toward the model (global step <paramref name="step"/>, 0-based).</summary>
    public void Update(long step)
    {
        double d = Math.Min(_decay, (1.0 + step) / (10.0 + step));
        using var noGrad = torch.no_grad();
        using var keep = d.ToScalar();
        using var take = (1 - d).ToScalar();
        foreach (var (live, average, floating) in _entries)
        {
            if (floating) average.mul_(keep).add_(live, take);
            else average.copy_(live);
        }
    }

    /// <summary>Copies the average into the model until the returned scope is disposed, which restores the trained weights.</summary>
    public IDisposable Apply()
    {
        using var noGrad = torch.no_grad();
        var saved = _entries.Select(e => e.Live.detach().clone().DetachFromDisposeScope()).ToArray();
        foreach (var (live, average, _) in _entries) live.copy_(average);
        return new Restore(_entries, saved);
    }

    /// <summary>Frees the average.</summary>
    public void Dispose()
    {
        foreach (var (_, average, _) in _entries) average.Dispose();
    }

    private sealed class Restore((Tensor Live, Tensor Average, bool Floating)[] entries, Tensor[] saved) : IDisposable
    {
        public void Dispose()
        {
            using var noGrad = torch.no_grad();
            for (int i = 0; i < saved.Length; i++)
            {
                entries[i].Live.copy_(saved[i]);
                saved[i].Dispose();
            }
        }
    }
}
