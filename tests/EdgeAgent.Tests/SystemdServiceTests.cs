using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

public class SystemdServiceTests(ITestOutputHelper output)
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [Fact]
    public void BuiltAgentSpeaksTheNotifyProtocolAndStopsOnSigtermWithTheReportWritten()
    {
        string dir = TestFiles.NewFolder("systemd");
        string bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"));
        string socketPath = Path.Combine(dir, "notify.sock");
        string status = Path.Combine(dir, "status.json");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        socket.ReceiveTimeout = 1000;

        string agent = Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(agent);
        psi.ArgumentList.Add("--EdgeAgent:Source:Width=64");
        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        psi.Environment["WATCHDOG_USEC"] = "1000000";
        // Environment variables are one of the documented configuration sources.
        psi.Environment["EDGEAGENT__Bundle"] = bundle;
        psi.Environment["EDGEAGENT__Source__Kind"] = "synthetic";
        psi.Environment["EDGEAGENT__Source__Height"] = "48";
        psi.Environment["EDGEAGENT__Source__PixelFormat"] = "jpeg";
        psi.Environment["EDGEAGENT__Source__FramesPerSecond"] = "100";
        psi.Environment["EDGEAGENT__StatusFile"] = status;
        psi.Environment["EDGEAGENT__Metrics__PrometheusEnabled"] = "false";
        psi.Environment["EDGEAGENT__Metrics__HealthEnabled"] = "false";
        psi.Environment["EDGEAGENT__ReloadPollSeconds"] = "0";
        using var process = Process.Start(psi)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var received = new List<string>();
            var buffer = new byte[4096];
            // Until READY and two watchdog pings arrived (bounded by attempts, not asserted on time).
            for (int attempt = 0; attempt < 60 && !(received.Contains("READY=1") && received.Count(m => m == "WATCHDOG=1") >= 2); attempt++)
            {
                try { received.Add(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)).Trim()); }
                catch (SocketException) { Assert.False(process.HasExited, $"agent exited early:\n{log}"); }
            }
            Assert.True(received.Contains("READY=1"), $"messages: {string.Join(" | ", received)}\n{log}");
            Assert.True(received.Count(m => m == "WATCHDOG=1") >= 2, $"messages: {string.Join(" | ", received)}");

            var sw = Stopwatch.StartNew();
            Assert.Equal(0, kill(process.Id, 15)); // SIGTERM
            for (int attempt = 0; attempt < 20 && !received.Contains("STOPPING=1"); attempt++)
            {
                try { received.Add(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)).Trim()); }
                catch (SocketException) { }
            }
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "agent did not exit after SIGTERM");
            sw.Stop();
            output.WriteLine($"exit after SIGTERM: {sw.Elapsed.TotalSeconds:F2} s, exit code {process.ExitCode}");
            Assert.Contains("STOPPING=1", received);
            Assert.Equal(0, process.ExitCode);
            using var doc = JsonDocument.Parse(File.ReadAllText(status));
            Assert.Equal("stopped", doc.RootElement.GetProperty("state").GetString());
            Assert.True(doc.RootElement.GetProperty("framesProcessed").GetInt64() > 0, log.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void BuiltAgentRejectsAnInvalidSettingWithExitCode2()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll"));
        psi.ArgumentList.Add("--EdgeAgent:Source:Kind=foo");
        psi.ArgumentList.Add("--EdgeAgent:Metrics:PrometheusEnabled=false");
        using var process = Process.Start(psi)!;
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("EdgeAgent:Source:Kind 'foo' is not one of v4l2, mjpeg, folder, synthetic", err, StringComparison.Ordinal);
    }
}
