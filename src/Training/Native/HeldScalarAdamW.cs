using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// TorchSharp's AdamW (decoupled weight decay, no AMSGrad) with a step whose scalars stay alive across every
/// libtorch call (<see cref="HeldScalars"/>). Same update and state as the base class.
/// </summary>
internal sealed class HeldScalarAdamW(IEnumerable<Parameter> parameters, double lr, double weightDecay)
    : AdamW(parameters, lr, weight_decay: weightDecay)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = group.Options;
        double lr = o.LearningRate!.Value;
        using var shrink = (1 - lr * o.weight_decay!.Value).ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            param.mul_(shrink);
            AdamUpdate.Apply(param, grad, state.exp_avg, state.exp_avg_sq, state.step, lr, o.beta1!.Value, o.beta2!.Value, o.eps!.Value);
        }
    }, closure);
}
