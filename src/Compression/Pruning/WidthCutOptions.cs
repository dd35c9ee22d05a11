namespace EdgeToolkit.Compression.Pruning;

/// <summary>Settings of one width cut (<see cref="WidthCut"/>): how channels are ranked and how BatchNorm is re-estimated.</summary>
public sealed record WidthCutOptions
{
    /// <summary>How output channels are ranked.</summary>
    public ChannelImportance Importance { get; init; } = ChannelImportance.L1Norm;

    /// <summary>Re-estimate BatchNorm statistics after the cut (<see cref="BatchNormRecalibrator"/>).</summary>
    public bool Recalibrate { get; init; } = true;

    /// <summary>Training images the BatchNorm statistics are re-estimated on.</summary>
    public int RecalibrationImages { get; init; } = BatchNormRecalibrator.DefaultImages;

    /// <summary>Batches the Taylor importance is summed over (only for <see cref="ChannelImportance.Taylor"/>).</summary>
    public int TaylorBatches { get; init; } = TaylorImportance.DefaultBatches;

    /// <summary>Seed of the recalibration and Taylor samples.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting; returns this.</summary>
    public WidthCutOptions Validate()
    {
        if (RecalibrationImages < 2)
            throw new ArgumentException($"recalibrationImages must be at least 2 but was {RecalibrationImages}.", nameof(RecalibrationImages));
        if (TaylorBatches < 1)
            throw new ArgumentException($"taylorBatches must be at least 1 but was {TaylorBatches}.", nameof(TaylorBatches));
        return this;
    }
}
