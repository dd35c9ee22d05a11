namespace EdgeToolkit.Compression.Export;

/// <summary>How closely ONNX Runtime reproduced the TorchSharp model on one set of inputs.</summary>
/// <param name="Inputs">What was compared (e.g. "random" or "real").</param>
/// <param name="Images">Number of images compared.</param>
/// <param name="MaxAbsDiff">Largest absolute difference of any logit.</param>
/// <param name="ArgmaxMismatches">Images whose predicted class differs.</param>
/// <param name="Tolerance">The |diff| allowed whatever the logits' scale.</param>
/// <param name="RelativeTolerance">The |diff| allowed on top, per unit of the image's largest |logit|.</param>
/// <param name="MaxAbsLogit">Largest |logit| TorchSharp produced: the scale the differences come at.</param>
/// <param name="WithinTolerance">Every image's differences within <see cref="Tolerance"/> + <see cref="RelativeTolerance"/> x its largest |logit|.</param>
public sealed record ExportVerification(string Inputs, int Images, double MaxAbsDiff, int ArgmaxMismatches, double Tolerance, double RelativeTolerance,
    double MaxAbsLogit, bool WithinTolerance)
{
    /// <summary>True when the difference is within tolerance and every prediction agrees.</summary>
    public bool Passed => WithinTolerance && ArgmaxMismatches == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Inputs}: {Images} image(s), max |diff| {MaxAbsDiff:E2} (tolerance {Tolerance:E0} + {RelativeTolerance:E0} x |logit|; logits up to {MaxAbsLogit:G3}), {ArgmaxMismatches} argmax mismatch(es)";
}
