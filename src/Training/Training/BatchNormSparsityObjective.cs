using System.Globalization;
using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Network-slimming training (Liu et al., ICCV 2017): another objective plus an L1 penalty on every
/// BatchNorm scale, <c>loss = inner + lambda * sum |gamma|</c>, which drives the scales of unneeded
/// channels towards zero so that one global threshold on |gamma| can choose a per-layer width plan
/// (the prune pass's <c>plan: slimming</c>). Typical lambda: 1e-5 to 1e-4.
/// </summary>
public sealed class BatchNormSparsityObjective : ITrainingObjective
{
    private readonly ITrainingObjective _inner;
    private readonly Parameter[] _gammas;

    /// <summary>Creates the objective over the BatchNorm scales of <paramref name="model"/>.</summary>
    /// <param name="inner">The objective the penalty is added to (cross-entropy, distillation).</param>
    /// <param name="model">The model being trained (its BatchNorm scales are penalised).</param>
    /// <param name="lambda">Penalty weight, finite and above 0.</param>
    /// <exception cref="ArgumentException">lambda out of range, or the model has no BatchNorm.</exception>
    public BatchNormSparsityObjective(ITrainingObjective inner, Module model, double lambda)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentNullException.ThrowIfNull(model);
        if (!(lambda > 0 && double.IsFinite(lambda)))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"bn-sparsity must be a positive number but was {lambda}."), nameof(lambda));
        Lambda = lambda;
        _gammas = model.modules().OfType<BatchNorm>().Select(n => n.weight).OfType<Parameter>().ToArray();
        if (_gammas.Length == 0)
            throw new ArgumentException("bn-sparsity: the model has no BatchNorm scales to penalise.", nameof(model));
    }

    /// <summary>Penalty weight.</summary>
    public double Lambda { get; }

    /// <inheritdoc/>
    public string Description => string.Create(CultureInfo.InvariantCulture, $"{_inner.Description} + BatchNorm L1 {Lambda}");

    /// <inheritdoc/>
    public Tensor Loss(Tensor logits, Tensor images, Tensor targets)
    {
        var loss = _inner.Loss(logits, images, targets);
        foreach (var gamma in _gammas) loss = HeldScalars.Add(loss, HeldScalars.Multiply(gamma.abs().sum(), Lambda));
        return loss;
    }
}
