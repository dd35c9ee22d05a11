namespace EdgeToolkit.Compression.Export;

/// <summary>Keys of the <c>metadata_props</c> the exporter writes into every model.</summary>
public static class OnnxMetadataKeys
{
    /// <summary>Architecture name from the model spec.</summary>
    public const string Architecture = "architecture";

    /// <summary>MobileNet width multiplier (invariant-culture number).</summary>
    public const string Alpha = "alpha";

    /// <summary>Square input side in pixels.</summary>
    public const string InputSize = "input_size";

    /// <summary>Input channels (1 or 3).</summary>
    public const string InputChannels = "input_channels";

    /// <summary>Normalisation mean per channel, JSON array.</summary>
    public const string Mean = "mean";

    /// <summary>Normalisation standard deviation per channel, JSON array.</summary>
    public const string Std = "std";

    /// <summary>Class labels, JSON array of strings.</summary>
    public const string Labels = "labels";

    /// <summary>Test-time augmentation inside the graph (<c>flip</c>); absent when there is none.</summary>
    public const string TestTimeAugmentation = "test_time_augmentation";
}
