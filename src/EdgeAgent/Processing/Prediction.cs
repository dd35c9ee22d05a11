namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>The result of one frame.</summary>
/// <param name="Sequence">Frame sequence number from the source.</param>
/// <param name="Labels">Top-k labels, most probable first.</param>
/// <param name="Probabilities">Softmax probabilities of <paramref name="Labels"/>.</param>
/// <param name="Indices">Class indices of <paramref name="Labels"/>.</param>
/// <param name="TotalMilliseconds">Capture-to-result latency.</param>
/// <param name="Source">Where the frame came from (file name, <c>offset N</c> in a stream), null when only the sequence says it.</param>
public sealed record Prediction(long Sequence, string[] Labels, float[] Probabilities, int[] Indices, double TotalMilliseconds, string? Source = null);
