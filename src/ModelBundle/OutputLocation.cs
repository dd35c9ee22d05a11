namespace EdgeToolkit.ModelBundle;

/// <summary>
/// Where the toolkit may create or replace output folders: never the filesystem root, a system folder
/// (<c>/etc</c>, <c>/usr</c>, <c>/bin</c>, <c>/boot</c>, <c>/dev</c>, <c>/proc</c>, <c>/sys</c>, <c>/var</c>, <c>/lib</c>, ...)
/// or anything inside one, nor the user's home folder itself or a folder that contains it.
/// </summary>
public static class OutputLocation
{
    /// <summary>System folders an output folder may not be or lie in (<c>/var/tmp</c> is allowed).</summary>
    public static IReadOnlyList<string> SystemFolders { get; } =
        ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr", "/var"];

    private static readonly string[] Allowed = ["/var/tmp"];

    /// <summary>Why <paramref name="folder"/> may not be an output folder, or null when it may.</summary>
    public static string? Problem(string folder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (full.Length == 0 || full == Path.GetPathRoot(full) || full == "/") return "is the filesystem root";
        string home = Path.TrimEndingDirectorySeparator(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        if (home.Length > 1)
        {
            if (string.Equals(full, home, StringComparison.Ordinal)) return "is your home folder itself; use a folder inside it";
            if (IsInside(home, full)) return $"contains your home folder {home}";
        }
        if (Allowed.Any(a => string.Equals(full, a, StringComparison.Ordinal) || IsInside(full, a))) return null;
        foreach (string system in SystemFolders)
        {
            if (string.Equals(full, system, StringComparison.Ordinal) || IsInside(full, system))
                return $"is inside the system folder {system}";
        }
        return null;
    }

    /// <summary>True when <paramref name="path"/> lies strictly inside <paramref name="folder"/> (both full paths).</summary>
    public static bool IsInside(string path, string folder) =>
        path.Length > folder.Length + 1 && path.StartsWith(folder, StringComparison.Ordinal) && path[folder.Length] == '/';
}
