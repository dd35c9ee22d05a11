namespace EdgeToolkit.Training.Training;

/// <summary>Classification quality of a model on a labelled set.</summary>
/// <param name="Images">Images evaluated.</param>
/// <param name="Top1">Top-1 accuracy in [0, 1].</param>
/// <param name="Top5">Top-5 accuracy in [0, 1], or null when there are 5 classes or fewer.</param>
/// <param name="Confusion">Confusion matrix: <c>Confusion[actual][predicted]</c> image counts.</param>
/// <param name="Labels">Class names, index = class id.</param>
public sealed record EvaluationResult(int Images, double Top1, double? Top5, long[][] Confusion, IReadOnlyList<string> Labels);
