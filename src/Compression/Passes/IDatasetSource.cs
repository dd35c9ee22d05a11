using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Compression.Passes;

/// <summary>The images a pipeline trains, calibrates and evaluates on; loaded once, on first use.</summary>
public interface IDatasetSource
{
    /// <summary>What was loaded, e.g. the resolved path (for logs and the report).</summary>
    string Description { get; }

    /// <summary>Training images.</summary>
    ImageDataset Train { get; }

    /// <summary>Test images.</summary>
    ImageDataset Test { get; }
}
