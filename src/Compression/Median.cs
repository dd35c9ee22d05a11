namespace EdgeToolkit.Compression;

/// <summary>The median of a few measurements (the middle one, or the mean of the two middle ones).</summary>
public static class Median
{
    /// <summary>The median of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        if (n == 0) throw new ArgumentException("the median of no values", nameof(values));
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>
    /// The median of <paramref name="ratios"/> taken on their logarithms: for an even count the geometric mean of the
    /// middle two, so a ratio and its inverse weigh alike and a steady drift between paired rounds cancels exactly.
    /// Used to compare two latencies by their interleaved rounds, where a round that straddles a switch of this VM's
    /// speed is an outlier a mean would follow (docs/pruning.md, "Two speeds").
    /// </summary>
    /// <exception cref="ArgumentException">No ratios.</exception>
    public static double OfRatios(IEnumerable<double> ratios) => Math.Exp(Of(ratios.Select(r => Math.Log(r))));
}
