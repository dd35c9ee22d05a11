namespace EdgeToolkit.ModelBundle;

/// <summary>
/// How manifests and reports name another file or folder: relative to the folder they lie in, with forward slashes,
/// never as an absolute path of the machine that wrote them (a run or bundle copied elsewhere still reads).
/// </summary>
public static class RelativePath
{
    /// <summary><paramref name="path"/> relative to <paramref name="folder"/> (both resolved against the current folder when relative).</summary>
    public static string From(string folder, string path) =>
        Path.GetRelativePath(Path.GetFullPath(folder), Path.GetFullPath(path)).Replace('\\', '/');
}
