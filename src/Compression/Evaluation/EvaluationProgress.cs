namespace EdgeToolkit.Compression.Evaluation;

/// <summary>Progress of a batched evaluation.</summary>
/// <param name="ImagesDone">Images evaluated so far.</param>
/// <param name="ImagesTotal">Images in the dataset.</param>
public sealed record EvaluationProgress(int ImagesDone, int ImagesTotal);
