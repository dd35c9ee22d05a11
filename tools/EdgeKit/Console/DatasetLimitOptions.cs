using System.CommandLine;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary><c>--limit-train</c> / <c>--limit-test</c>: an even spread of N images of each split, declared once for every verb that loads a dataset.</summary>
public static class DatasetLimitOptions
{
    /// <summary><c>--limit-train N</c> (0 = all).</summary>
    public static Option<int> Train() => Create("--limit-train", "Use only N training images, evenly spread over the set (quick runs; 0 = all)");

    /// <summary><c>--limit-test N</c> (0 = all).</summary>
    public static Option<int> Test() => Create("--limit-test", "Use only N test images, evenly spread over the set (0 = all)");

    private static Option<int> Create(string name, string description)
    {
        var option = new Option<int>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
                result.AddError($"{name} must be 0 (all) or more but is {result.GetValueOrDefault<int>()}.");
        });
        return option;
    }
}
