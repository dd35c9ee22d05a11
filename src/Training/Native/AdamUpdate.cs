using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Native;

/// <summary>The Adam moment update and parameter step shared by <see cref="HeldScalarAdam"/> and <see cref="HeldScalarAdamW"/>, with held scalars.</summary>
internal static class AdamUpdate
{
    /// <summary>
    /// <c>m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps)</c>
    /// (TorchSharp's and PyTorch's non-AMSGrad Adam).
    /// </summary>
    public static void Apply(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step,
        double lr, double beta1, double beta2, double eps)
    {
        double correction1 = 1 - Math.Pow(beta1, step), correction2 = 1 - Math.Pow(beta2, step);
        using var b1 = beta1.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        using var sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var stepSize = (-lr / correction1).ToScalar();
        expAvg.mul_(b1).add_(grad, oneMinusB1);
        expAvgSq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
        var denominator = expAvgSq.sqrt().div_(sqrtCorrection2).add_(epsilon, HeldScalars.One);
        param.addcdiv_(expAvg, denominator, stepSize);
    }
}
