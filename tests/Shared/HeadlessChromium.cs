using System.Diagnostics;

namespace EdgeToolkit.Tests.Shared;

/// <summary>
/// Runs Debian's <c>chromium</c> headless (as root: no sandbox) with a fresh profile, no network services of its
/// own, and a virtual-time budget so the page's scripts run before the DOM is dumped or the screenshot taken.
/// Test artefacts (screenshots) go to <see cref="ArtefactFolder"/>.
/// </summary>
internal static class HeadlessChromium
{
    /// <summary>Where screenshots are kept: <c>$EDGEKIT_TEST_ARTEFACTS</c>, else <c>TestResults/artefacts</c> in the repository.</summary>
    public static string ArtefactFolder
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("EDGEKIT_TEST_ARTEFACTS");
            string folder = !string.IsNullOrWhiteSpace(configured) ? configured : Path.Combine(RepositoryRoot() ?? Path.GetTempPath(), "TestResults", "artefacts");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>The chromium executable; fails the test (never skips) when it is missing.</summary>
    public static string Executable()
    {
        foreach (string name in new[] { "chromium", "chromium-browser" })
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new InvalidOperationException("chromium is not installed: apt-get install chromium (test.sh installs it when run as root)");
    }

    /// <summary>Loads <paramref name="url"/>, lets its scripts run for <paramref name="virtualMilliseconds"/> of virtual time and returns the DOM.</summary>
    public static string DumpDom(string url, int virtualMilliseconds = 3000, int windowWidth = 1200, int windowHeight = 1400) =>
        Run(["--dump-dom", url], virtualMilliseconds, windowWidth, windowHeight).StdOut;

    /// <summary>Loads <paramref name="url"/>, lets its scripts run and writes a PNG screenshot to <paramref name="png"/>.</summary>
    public static void Screenshot(string url, string png, int virtualMilliseconds = 3000, int windowWidth = 1200, int windowHeight = 1400)
    {
        if (File.Exists(png)) File.Delete(png);
        var r = Run([$"--screenshot={png}", url], virtualMilliseconds, windowWidth, windowHeight);
        if (!File.Exists(png)) throw new InvalidOperationException($"chromium wrote no screenshot {png}: {r.StdErr}");
    }

    /// <summary>Console messages chromium logged for the page (uncaught script errors appear here with <c>--enable-logging=stderr</c>).</summary>
    public static (string StdOut, string StdErr) Run(string[] args, int virtualMilliseconds, int windowWidth, int windowHeight)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"edgekit-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        try
        {
            var psi = new ProcessStartInfo(Executable())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}", $"--window-size={windowWidth},{windowHeight}",
                $"--virtual-time-budget={virtualMilliseconds}",
            })
                psi.ArgumentList.Add(a);
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("chromium did not start");
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                p.Kill(entireProcessTree: true);
                throw new InvalidOperationException("chromium did not finish within 120 s");
            }
            if (p.ExitCode != 0) throw new InvalidOperationException($"chromium exited {p.ExitCode}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeToolkit.sln"))) return dir.FullName;
        return null;
    }
}
