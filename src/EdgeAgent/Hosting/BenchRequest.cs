namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>The <c>--bench N</c> request taken off the command line.</summary>
/// <param name="Frames">Frames to measure.</param>
public sealed record BenchRequest(long Frames)
{
    /// <summary>Removes <c>--bench N</c> (or <c>--bench=N</c>) from <paramref name="args"/>; null when absent. Throws naming the argument when N is not a positive integer.</summary>
    public static (BenchRequest? Request, string[] Remaining) Parse(string[] args)
    {
        var rest = new List<string>();
        BenchRequest? request = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? value = null;
            if (a == "--bench")
            {
                if (i + 1 >= args.Length) throw new ArgumentException("--bench needs a frame count, e.g. --bench 200");
                value = args[++i];
            }
            else if (a.StartsWith("--bench=", StringComparison.Ordinal)) value = a["--bench=".Length..];
            if (value is null) { rest.Add(a); continue; }
            if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) || n < 1)
                throw new ArgumentException($"--bench '{value}' is not a positive frame count");
            request = new BenchRequest(n);
        }
        return (request, rest.ToArray());
    }
}
