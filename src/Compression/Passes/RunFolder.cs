using System.Globalization;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// The folder of one pipeline run, <c>&lt;output&gt;/&lt;name&gt;</c>. The toolkit marks every run folder it creates
/// with <see cref="MarkerFileName"/>; an existing folder without that mark is never touched (refused with a
/// message), and a marked one is replaced only when the caller asks to overwrite. Run folders may not be the
/// filesystem root, a system folder or the home folder (<see cref="OutputLocation"/>).
/// </summary>
public static class RunFolder
{
    /// <summary>The marker file written into every run folder the toolkit creates.</summary>
    public const string MarkerFileName = ".edgetoolkit-run";

    /// <summary>The run folder's full path for <paramref name="recipe"/>.</summary>
    public static string PathOf(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return Path.GetFullPath(Path.Combine(recipe.Output, recipe.Name));
    }

    /// <summary>True when <paramref name="folder"/> carries the toolkit's run marker.</summary>
    public static bool IsMarked(string folder) => File.Exists(Path.Combine(folder, MarkerFileName));

    /// <summary>
    /// Checks that the run folder of <paramref name="recipe"/> may be created (or, with <paramref name="overwrite"/>,
    /// replaced) without touching anything the toolkit did not make; throws <see cref="RecipeException"/> naming the folder otherwise.
    /// </summary>
    public static string Check(Recipe recipe, bool overwrite)
    {
        string folder = PathOf(recipe);
        string where = $"{recipe.Source}: run folder {folder} (\"output\" + \"name\")";
        if (OutputLocation.Problem(folder) is { } problem)
            throw new RecipeException($"{where} {problem}; choose another \"output\" or --output");
        if (File.Exists(folder))
            throw new RecipeException($"{where} is an existing file; it is left untouched: choose another \"name\" or \"output\"");
        if (!Directory.Exists(folder)) return folder;
        if (new DirectoryInfo(folder).LinkTarget is not null)
            throw new RecipeException($"{where} is a symbolic link; it is left untouched: choose another \"name\" or \"output\"");
        if (!IsMarked(folder))
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) return folder;
            throw new RecipeException($"{where} exists and was not made by edgekit (it has no {MarkerFileName} marker); it is left untouched: choose another \"name\" or \"output\", or move the folder away");
        }
        if (!overwrite)
            throw new RecipeException($"{where} holds an earlier run; pass --overwrite to replace it, or choose another \"name\"");
        return folder;
    }

    /// <summary>
    /// Creates the run folder (after <see cref="Check"/>), replacing a marked earlier run when <paramref name="overwrite"/>
    /// is set, and writes the marker. The earlier run is renamed aside first, then deleted.
    /// </summary>
    public static string Create(Recipe recipe, bool overwrite)
    {
        string folder = Check(recipe, overwrite);
        if (Directory.Exists(folder) && IsMarked(folder))
        {
            string parent = Path.GetDirectoryName(folder)!;
            string old = Path.Combine(parent, $".{Path.GetFileName(folder)}.old-{Guid.NewGuid():N}");
            Directory.Move(folder, old);
            Directory.Delete(old, recursive: true);
        }
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, MarkerFileName), string.Create(CultureInfo.InvariantCulture,
            $"Made by edgekit pipeline from {recipe.Source} at {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}. edgekit replaces this folder only with --overwrite, and only while this file is here.\n"));
        return folder;
    }
}
