namespace EdgeToolkit.Compression;

/// <summary>The median of a few measurements (the middle one, or the mean of the two middle ones).</summary>
internal static class Median
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
}
