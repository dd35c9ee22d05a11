using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// TorchSharp's SGD (momentum, dampening 0, L2 weight decay, optional Nesterov) with a step whose scalars stay
/// alive across every libtorch call (<see cref="HeldScalars"/>). Same update, same state (so <c>optimizer.bin</c>
/// files load either way).
/// </summary>
internal sealed class HeldScalarSgd(IEnumerable<Parameter> parameters, double lr, double momentum, double weightDecay, bool nesterov)
    : SGD(parameters, lr, momentum, 0, weightDecay, nesterov)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        double momentum = options.momentum!.Value, weightDecay = options.weight_decay!.Value;
        using var decay = weightDecay.ToScalar();
        using var momentumScalar = momentum.ToScalar();
        using var rate = (-options.LearningRate!.Value).ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(param, decay);
            if (momentum != 0)
            {
                var state = (State)_state[param.Handle];
                var buffer = state.momentum_buffer;
                if (buffer is null)
                    state.momentum_buffer = buffer = grad.clone().detach().DetachFromDisposeScope();
                else
                    buffer.mul_(momentumScalar).add_(grad, HeldScalars.One);
                grad = options.nesterov!.Value ? grad.add(buffer, momentumScalar) : buffer;
            }
            param.add_(grad, rate);
        }
    }, closure);
}
