namespace EdgeToolkit.Training.Data;

/// <summary>The train and test splits found for a <c>--data</c> value, and where they came from.</summary>
/// <param name="Train">Training split.</param>
/// <param name="Test">Test split (same classes as <paramref name="Train"/>).</param>
/// <param name="Description">Human-readable source, e.g. "Fashion-MNIST from /usr/share/datasets/fashion-mnist (system package)".</param>
public sealed record ResolvedDataset(ImageDataset Train, ImageDataset Test, string Description)
{
    /// <summary>Class names, index = class id.</summary>
    public IReadOnlyList<string> ClassNames => Train.ClassNames;
}
