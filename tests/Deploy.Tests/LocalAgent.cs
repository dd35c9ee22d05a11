using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The real agent of this build (EdgeAgent.dll) running as a child process on a synthetic 30 fps JPEG camera,
/// serving the bundle <c>&lt;root&gt;/var/lib/edgeagent/models/current</c> with hot reload every second and its
/// health endpoint on a free loopback port: one "device" of a local fleet. Dispose kills it by process id.
/// </summary>
internal sealed class LocalAgent : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    public LocalAgent(string root, int recentFrames)
    {
        Root = root;
        HealthPort = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll"));
        foreach (string setting in new[]
        {
            $"Bundle={root}/var/lib/edgeagent/models/current", $"StatusFile={root}/status.json", "ReloadPollSeconds=1",
            $"RecentFrames={recentFrames}", "Source:Kind=synthetic", "Source:PixelFormat=jpeg", "Source:Width=320", "Source:Height=240",
            "Source:FramesPerSecond=30", "Metrics:PrometheusEnabled=false", "Metrics:HealthHost=127.0.0.1",
            $"Metrics:HealthPort={HealthPort}",
        })
        {
            info.ArgumentList.Add("--EdgeAgent:" + setting);
        }
        process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Root { get; }

    public int HealthPort { get; }

    public string HealthUrl => $"http://127.0.0.1:{HealthPort}/health";

    /// <summary>What the agent printed so far.</summary>
    public string Log
    {
        get { lock (log) return log.ToString(); }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
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
