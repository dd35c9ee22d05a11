namespace EdgeToolkit.Training.Data;

/// <summary>How images are brought to the model's input size.</summary>
public enum SizeAdjustment
{
    /// <summary>Already the right size.</summary>
    None,

    /// <summary>Zero-padded, centred (target larger by a few pixels, e.g. 28x28 to 32x32).</summary>
    Pad,

    /// <summary>Bilinear resize.</summary>
    Resize,
}
