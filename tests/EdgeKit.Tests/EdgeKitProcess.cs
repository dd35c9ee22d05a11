using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>Runs the built <c>edgekit</c> as a child process and collects its output lines.</summary>
internal sealed class EdgeKitProcess : IDisposable
{
    /// <summary>Guards against hangs only; nothing asserts on time.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(8);

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly ConcurrentQueue<string> _all = new();

    private EdgeKitProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join("\n", _all);

    public static EdgeKitProcess Start(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "edgekit.dll");
        // A child inherits an ignored SIGINT (a background job of a non-interactive shell, as CI may be), and
        // .NET then leaves it ignored; coreutils' env restores the default so the Ctrl+C test sees a terminal's
        // behaviour. env execs dotnet, so the process id stays the one that is signalled.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new EdgeKitProcess(Process.Start(info)!);
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        using var p = Start(args);
        int code = p.WaitForExit();
        return (code, p.Output);
    }

    /// <summary>Blocks until a line matching <paramref name="predicate"/> arrives; fails if the process ends first.</summary>
    public string WaitForLine(Func<string, bool> predicate)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.TryTake(out var line, TimeSpan.FromMilliseconds(200)))
            {
                if (predicate(line)) return line;
            }
            else if (_process.HasExited && _lines.Count == 0)
            {
                throw new InvalidOperationException($"edgekit exited ({_process.ExitCode}) before the expected line:\n{Output}");
            }
        }
        throw new TimeoutException($"edgekit did not print the expected line:\n{Output}");
    }

    public void Interrupt()
    {
        if (SendSignal(_process.Id, 2) != 0) // SIGINT
            throw new InvalidOperationException($"kill({_process.Id}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void KillHard() => _process.Kill(); // SIGKILL on Unix

    public int WaitForExit()
    {
        if (!_process.WaitForExit(HangGuard))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgekit did not exit:\n{Output}");
        }
        _process.WaitForExit(); // flushes the asynchronous output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _lines.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private void Add(string? line)
    {
        if (line is null) return;
        _all.Enqueue(line);
        if (!_lines.IsAddingCompleted) _lines.Add(line);
    }
}
