namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>One line of the results file (camelCase JSON): <c>{"time":...,"frame":7,"source":...,"top":[{"label":...,"index":3,"p":0.9}],"ms":1.2}</c>.</summary>
/// <param name="Time">When the result was written.</param>
/// <param name="Frame">The frame's sequence number.</param>
/// <param name="Source">Where the frame came from, or null.</param>
/// <param name="Top">The top-k classes, most probable first.</param>
/// <param name="Ms">Capture-to-result latency in milliseconds.</param>
internal sealed record ResultLine(DateTimeOffset Time, long Frame, string? Source, ResultLine.Class[] Top, double Ms)
{
    /// <summary>One of the top-k classes.</summary>
    /// <param name="Label">Its label.</param>
    /// <param name="Index">Its class index.</param>
    /// <param name="P">Its probability (5 decimals).</param>
    internal sealed record Class(string Label, int Index, double P);

    /// <summary>The line for <paramref name="p"/>, written at <paramref name="time"/>.</summary>
    public static ResultLine Of(Prediction p, DateTimeOffset time)
    {
        var top = new Class[p.Labels.Length];
        for (int i = 0; i < top.Length; i++) top[i] = new Class(p.Labels[i], p.Indices[i], Math.Round(p.Probabilities[i], 5));
        return new ResultLine(time, p.Sequence, p.Source, top, Math.Round(p.TotalMilliseconds, 3));
    }
}
