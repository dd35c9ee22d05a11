using System.CommandLine;
using EdgeToolkit.Training.Data;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// <c>--data</c> (a name known to <see cref="DatasetResolver"/> or a folder, default <see cref="Default"/>) and
/// <c>--data-path</c>: declared once for every verb that loads a dataset; each verb says what the data is for.
/// </summary>
public static class DatasetNameOptions
{
    /// <summary>The dataset a verb uses when none is named.</summary>
    public const string Default = "fashion-mnist";

    /// <summary><c>--data</c>, described as "<paramref name="what"/> (known names) or folder<paramref name="note"/>".</summary>
    public static Option<string> Name(string what = "Dataset name", string note = "") => new("--data")
    {
        Description = $"{what} ({string.Join(", ", DatasetResolver.KnownNames)}) or folder{note}",
        DefaultValueFactory = _ => Default,
    };

    /// <summary><c>--data-path</c>: the folder holding the dataset files.</summary>
    public static Option<string?> Path(string description = "Folder holding the dataset files") => new("--data-path") { Description = description };
}
