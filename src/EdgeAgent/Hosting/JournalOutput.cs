namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// Whether standard output is the systemd journal's stream, and lines written for it. journald makes
/// one record per line and takes the record's priority from a leading <c>&lt;N&gt;</c> (syslog level).
/// </summary>
/// <remarks>
/// systemd sets <c>JOURNAL_STREAM=&lt;device&gt;:&lt;inode&gt;</c> for a service whose output goes to the
/// journal; the variable alone is not enough (a child may inherit it with its output redirected), so the
/// inode is compared with standard output's, as sd_journal_stream_fd(3) asks. This is checked instead of
/// AddSystemd()'s parent-process test because the unit's ProtectProc=invisible hides PID 1 from the service.
/// </remarks>
public static class JournalOutput
{
    /// <summary>True when standard output is connected to the journal (checked once).</summary>
    public static bool IsConnected { get; } = Detect(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), StandardOutputTarget());

    /// <summary>syslog level 3 (err): prefix of a line that journald files with priority "err".</summary>
    public const string ErrorPrefix = "<3>";

    /// <summary>Writes an error line to standard error, prefixed with <see cref="ErrorPrefix"/> when the journal reads it.</summary>
    public static void WriteError(string message) => Console.Error.WriteLine(IsConnected ? ErrorPrefix + message : message);

    /// <summary>
    /// True when <paramref name="journalStream"/> (<c>device:inode</c>) names the socket that
    /// <paramref name="stdoutTarget"/> (the target of /proc/self/fd/1, e.g. <c>socket:[1234]</c>) is.
    /// </summary>
    public static bool Detect(string? journalStream, string? stdoutTarget)
    {
        if (string.IsNullOrEmpty(journalStream) || string.IsNullOrEmpty(stdoutTarget)) return false;
        int colon = journalStream.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return false;
        string inode = journalStream[(colon + 1)..];
        return inode.Length > 0 && stdoutTarget == $"socket:[{inode}]";
    }

    private static string? StandardOutputTarget()
    {
        try
        {
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/fd/1").LinkTarget : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
