using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// Runs the device agent (src/EdgeAgent) as a child process in <c>--bench N</c> mode over a folder of
/// frames and reads its JSON report. The agent is found from an explicit path, <c>$EDGEKIT_AGENT</c>,
/// next to edgekit, in the build outputs of the source tree, or — as a last resort — built with
/// <c>dotnet build</c> from the source tree.
/// </summary>
internal static class AgentBench
{
    /// <summary>Environment variable naming the agent executable or EdgeAgent.dll.</summary>
    public const string AgentVariable = "EDGEKIT_AGENT";

    /// <summary>Outcome: the report path (null when the agent did not run), a one-line summary, and whether that is a failure.</summary>
    public sealed record Result(string? ReportPath, string Summary, bool Failed);

    /// <summary>Finds (or builds) the agent and runs the bench; <paramref name="hint"/> "" = search.</summary>
    public static Result Run(string hint, string bundle, string frames, string runFolder, int benchFrames, CancellationToken cancellationToken)
    {
        string? agent = Locate(hint, out string how);
        if (agent is null) return new Result(null, how, Failed: !string.IsNullOrEmpty(hint));
        System.Console.WriteLine($"agent: {agent} ({how})");
        string report = Path.Combine(Path.GetFullPath(runFolder), "agent-bench.json");
        var psi = agent.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo(DotnetHost()) { ArgumentList = { agent } }
            : new ProcessStartInfo(agent);
        foreach (string a in new[]
        {
            "--bench", benchFrames.ToString(CultureInfo.InvariantCulture),
            $"--EdgeAgent:Bundle={Path.GetFullPath(bundle)}",
            "--EdgeAgent:Source:Kind=folder",
            $"--EdgeAgent:Source:Path={Path.GetFullPath(frames)}",
            "--EdgeAgent:Source:Loop=true",
            "--EdgeAgent:ReloadPollSeconds=0",
            $"--EdgeAgent:BenchReportFile={report}",
            "--EdgeAgent:StatusFile=",
            "--EdgeAgent:Metrics:PrometheusEnabled=false",
            "--EdgeAgent:Metrics:HealthEnabled=false",
        })
        {
            psi.ArgumentList.Add(a);
        }
        psi.WorkingDirectory = Path.GetFullPath(runFolder);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) System.Console.WriteLine("agent: " + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) System.Console.WriteLine("agent: " + e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new Result(null, $"cannot start {psi.FileName}: {e.Message}", Failed: true);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellationToken.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                return new Result(null, "the agent did not finish within 5 minutes", Failed: true);
            }
            process.WaitForExit();
        }
        if (process.ExitCode != 0 || !File.Exists(report))
            return new Result(null, $"the agent exited with code {process.ExitCode}", Failed: true);
        return new Result(report, Summarise(report), Failed: false);
    }

    /// <summary>fps and per-frame latency from the agent's report.</summary>
    internal static string Summarise(string reportPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = doc.RootElement;
        double fps = root.TryGetProperty("fps", out var f) ? f.GetDouble() : 0;
        string stage(string name) => root.TryGetProperty("stages", out var s) && s.TryGetProperty(name, out var st) && st.TryGetProperty("p50", out var p)
            ? p.GetDouble().ToString("F3", CultureInfo.InvariantCulture) + " ms" : "?";
        long processed = root.TryGetProperty("framesProcessed", out var n) ? n.GetInt64() : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{processed} frames, {fps:F0} fps, p50 total {stage("total")}, inference {stage("inference")}");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Finds the agent; returns null with the reason in <paramref name="how"/> when it cannot.</summary>
    internal static string? Locate(string hint, out string how)
    {
        if (!string.IsNullOrEmpty(hint))
        {
            how = "--agent";
            if (File.Exists(hint)) return Path.GetFullPath(hint);
            how = $"--agent '{hint}' does not exist";
            return null;
        }
        if (Environment.GetEnvironmentVariable(AgentVariable) is { Length: > 0 } fromEnv)
        {
            how = AgentVariable;
            if (File.Exists(fromEnv)) return Path.GetFullPath(fromEnv);
            how = $"{AgentVariable}='{fromEnv}' does not exist";
            return null;
        }
        string here = AppContext.BaseDirectory;
        var candidates = new List<string> { Path.Combine(here, "EdgeAgent.dll") };
        // --artifacts-path layout: <artifacts>/bin/<project>/<config>/
        var configFolder = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar));
        if (configFolder.Parent?.Parent is { } binRoot)
        {
            candidates.Add(Path.Combine(binRoot.FullName, "EdgeAgent", configFolder.Name, "EdgeAgent.dll"));
            candidates.Add(Path.Combine(binRoot.FullName, "EdgeAgent", "release", "EdgeAgent.dll"));
            candidates.Add(Path.Combine(binRoot.FullName, "EdgeAgent", "debug", "EdgeAgent.dll"));
        }
        string? repo = RepoRoot(here) ?? RepoRoot(Directory.GetCurrentDirectory()) ?? RepoRoot(BuildSourceFolder());
        if (repo is not null)
        {
            foreach (string config in new[] { "Release", "Debug" })
                candidates.Add(Path.Combine(repo, "src", "EdgeAgent", "bin", config, "net10.0", "EdgeAgent.dll"));
        }
        var found = candidates.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (found is not null)
        {
            how = "built agent found";
            return found;
        }
        if (repo is null)
        {
            how = $"EdgeAgent not found next to edgekit or in a source tree; pass --agent or set {AgentVariable}";
            return null;
        }
        // Built into the source tree's own bin folder (where the search above finds it next time), never beside
        // the user's run folder: the toolkit writes only inside folders that are its own.
        string output = Path.Combine(repo, "src", "EdgeAgent", "bin", "Release", "net10.0");
        System.Console.WriteLine($"agent: not built yet; building src/EdgeAgent into {output} (once)");
        var psi = new ProcessStartInfo(DotnetHost())
        {
            ArgumentList = { "build", Path.Combine(repo, "src", "EdgeAgent", "EdgeAgent.csproj"), "-c", "Release", "--nologo", "-v", "q" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(psi)!;
        string log = build.StandardOutput.ReadToEnd() + build.StandardError.ReadToEnd();
        build.WaitForExit();
        string dll = Path.Combine(output, "EdgeAgent.dll");
        if (build.ExitCode != 0 || !File.Exists(dll))
        {
            how = $"building src/EdgeAgent failed: {log.Trim().Split('\n').LastOrDefault()}";
            return null;
        }
        how = "built from the source tree";
        return dll;
    }

    /// <summary>The folder this file was compiled from: finds the source tree when edgekit runs from an artifacts folder outside it.</summary>
    private static string BuildSourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path) ?? "";

    private static string? RepoRoot(string start)
    {
        if (string.IsNullOrEmpty(start) || !Directory.Exists(start)) return null;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeToolkit.sln")) && Directory.Exists(Path.Combine(dir.FullName, "src", "EdgeAgent")))
                return dir.FullName;
        }
        return null;
    }
}
