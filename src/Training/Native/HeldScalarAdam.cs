using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// TorchSharp's Adam (L2 weight decay added to the gradient, no AMSGrad) with a step whose scalars stay alive
/// across every libtorch call (<see cref="HeldScalars"/>). Same update and state as the base class.
/// </summary>
internal sealed class HeldScalarAdam(IEnumerable<Parameter> parameters, double lr, double weightDecay)
    : Adam(parameters, lr, weight_decay: weightDecay)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = group.Options;
        double weightDecay = o.weight_decay!.Value;
        using var decay = weightDecay.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            if (weightDecay != 0) grad = grad.add(param, decay);
            AdamUpdate.Apply(param, grad, state.exp_avg, state.exp_avg_sq, state.step, o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value);
        }
    }, closure);
}
