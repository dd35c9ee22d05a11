namespace EdgeToolkit.Compression.Pruning;

/// <summary>How width pruning ranks the output channels of a convolution.</summary>
public enum ChannelImportance
{
    /// <summary>L1 norm of each output filter of the convolution (the default).</summary>
    L1Norm,

    /// <summary>Absolute value of the scale (gamma) of the BatchNorm that follows the convolution.</summary>
    BatchNormScale,

    /// <summary>
    /// First-order Taylor score (Molchanov et al.): |sum over a batch of activation x gradient| at the
    /// output of the BatchNorm after the convolution, summed over a few training batches. Needs data
    /// (<see cref="TaylorImportance"/>).
    /// </summary>
    Taylor,
}
