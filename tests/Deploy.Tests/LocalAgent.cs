using System.Diagnostics;
using System.Text;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// A real agent running as a child process with its health endpoint on a free loopback port: this build's
/// EdgeAgent.dll (<see cref="JitAgent"/>) or a published package's executable. The fleet constructor serves the bundle
/// <c>&lt;root&gt;/var/lib/edgeagent/models/current</c> from a synthetic 30 fps JPEG camera with hot reload every second:
/// one "device" of a local fleet. Dispose kills it by process id.
/// </summary>
internal sealed class LocalAgent : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    /// <summary>One device of a local fleet (see the class summary), run by this build's EdgeAgent.dll.</summary>
    public LocalAgent(string root, int recentFrames)
        : this(JitAgent,
        [
            $"Bundle={root}/var/lib/edgeagent/models/current", $"StatusFile={root}/status.json", "ReloadPollSeconds=1",
            $"RecentFrames={recentFrames}", "Source:Kind=synthetic", "Source:PixelFormat=jpeg", "Source:Width=320", "Source:Height=240",
            "Source:FramesPerSecond=30", "Metrics:PrometheusEnabled=false",
        ], root)
    {
    }

    /// <summary>
    /// Starts <paramref name="command"/> (the program and its first arguments) with each of <paramref name="settings"/>
    /// as <c>--EdgeAgent:&lt;setting&gt;</c>, plus the health endpoint on 127.0.0.1:<see cref="HealthPort"/>.
    /// </summary>
    public LocalAgent(IReadOnlyList<string> command, IEnumerable<string> settings, string workingDirectory,
        IDictionary<string, string?>? environment = null)
    {
        Root = workingDirectory;
        HealthPort = DeviceFixture.FreePort();
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in command.Skip(1)) info.ArgumentList.Add(a);
        foreach (string setting in settings.Concat(["Metrics:HealthHost=127.0.0.1", $"Metrics:HealthPort={HealthPort}"]))
            info.ArgumentList.Add("--EdgeAgent:" + setting);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            if (v is null) info.Environment.Remove(k); else info.Environment[k] = v;
        }
        process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>This build's agent (the test project references EdgeAgent), run by the JIT: <c>dotnet EdgeAgent.dll</c>.</summary>
    public static IReadOnlyList<string> JitAgent => ["dotnet", Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll")];

    public string Root { get; }

    public int HealthPort { get; }

    public string HealthUrl => $"http://127.0.0.1:{HealthPort}/health";

    public bool HasExited => process.HasExited;

    /// <summary>What the agent printed so far.</summary>
    public string Log
    {
        get { lock (log) return log.ToString(); }
    }

    /// <summary>Waits for the agent to exit on its own; returns its exit code (a safety net against a hung agent, not a timing assertion).</summary>
    public int WaitForExit(int timeoutSeconds)
    {
        if (!process.WaitForExit(timeoutSeconds * 1000))
            throw new TimeoutException($"the agent did not exit within {timeoutSeconds} s:\n{Log}");
        process.WaitForExit(); // the output readers are done
        return process.ExitCode;
    }

    /// <summary>Stops the agent as systemd does (SIGTERM) and returns its exit code.</summary>
    public int Terminate(int timeoutSeconds = 30)
    {
        if (!process.HasExited)
        {
            var kill = Repo.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(kill.ExitCode == 0 || process.HasExited, kill.ToString());
        }
        return WaitForExit(timeoutSeconds);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }
}
