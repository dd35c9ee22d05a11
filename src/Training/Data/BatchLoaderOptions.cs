namespace EdgeToolkit.Training.Data;

/// <summary>
/// How <see cref="BatchLoader"/> batches and transforms a dataset. Transforms run in this order:
/// channel conversion, size adjustment (<see cref="TargetSize"/>), random crop, horizontal flip,
/// scaling to [0, 1], normalisation, random erasing.
/// </summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Images per batch.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Shuffle the order every epoch (deterministic for a given <see cref="Seed"/> and epoch).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed of the shuffle and of the augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>Random crop: zero-pad each side by this many pixels and crop back to size at a random offset; 0 = off.</summary>
    public int RandomCropPadding { get; init; }

    /// <summary>
    /// Probability of random erasing per image (after normalisation, so erased pixels are 0 = the mean): a rectangle of
    /// 2-33 % of the area with aspect ratio 0.3-3.3, as torchvision's <c>RandomErasing</c> defaults; 0 = off.
    /// </summary>
    public double RandomErasing { get; init; }

    /// <summary>Flip each image left-right with probability 0.5.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Per-channel mean on the [0, 1] scale (length 1 or the output channel count); null = no normalisation.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation on the [0, 1] scale, same length as <see cref="Mean"/>.</summary>
    public float[]? Std { get; init; }

    /// <summary>Output height and width (square); null = the dataset's size. See <see cref="BatchLoader.ChooseSizeAdjustment"/>.</summary>
    public int? TargetSize { get; init; }

    /// <summary>Output channels (1 or 3); 1 to 3 repeats the grey plane, 3 to 1 takes the BT.601 luma. Null = the dataset's.</summary>
    public int? TargetChannels { get; init; }

    /// <summary>Drop the last batch of an epoch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>Batches prepared ahead on a background task.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Checks the options against a dataset.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate(ImageDataset dataset)
    {
        if (BatchSize < 1)
            throw new ArgumentException($"BatchSize must be at least 1 (got {BatchSize})", nameof(BatchSize));
        if (RandomCropPadding < 0)
            throw new ArgumentException($"RandomCropPadding must be 0 (off) or positive (got {RandomCropPadding})", nameof(RandomCropPadding));
        if (!(RandomErasing >= 0 && RandomErasing <= 1))
            throw new ArgumentException($"RandomErasing must be a probability in [0, 1] (got {RandomErasing})", nameof(RandomErasing));
        if (TargetSize is < 1 or > 4096)
            throw new ArgumentException($"TargetSize must be between 1 and 4096 pixels (got {TargetSize})", nameof(TargetSize));
        if (TargetChannels is not (null or 1 or 3))
            throw new ArgumentException($"TargetChannels must be 1 or 3 (got {TargetChannels})", nameof(TargetChannels));
        if (dataset.Channels is not (1 or 3) && TargetChannels is not null && TargetChannels != dataset.Channels)
            throw new ArgumentException($"TargetChannels {TargetChannels} cannot be made from {dataset.Channels}-channel images ({dataset.Source})", nameof(TargetChannels));
        if (PrefetchBatches < 1)
            throw new ArgumentException($"PrefetchBatches must be at least 1 (got {PrefetchBatches})", nameof(PrefetchBatches));
        if ((Mean is null) != (Std is null))
            throw new ArgumentException("Mean and Std must be given together (or neither)", Mean is null ? nameof(Mean) : nameof(Std));
        if (Mean is not null && Std is not null)
        {
            int channels = TargetChannels ?? dataset.Channels;
            if (Mean.Length != 1 && Mean.Length != channels)
                throw new ArgumentException($"Mean has {Mean.Length} values; expected 1 or {channels} (one per output channel)", nameof(Mean));
            if (Std.Length != Mean.Length)
                throw new ArgumentException($"Std has {Std.Length} values; expected {Mean.Length}, as many as Mean", nameof(Std));
            for (int i = 0; i < Std.Length; i++)
            {
                if (!(Std[i] > 0) || float.IsInfinity(Std[i]))
                    throw new ArgumentException($"Std[{i}] = {Std[i]} must be a positive finite number", nameof(Std));
                if (!float.IsFinite(Mean[i]))
                    throw new ArgumentException($"Mean[{i}] = {Mean[i]} must be finite", nameof(Mean));
            }
        }
    }
}
