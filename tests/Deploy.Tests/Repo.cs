using System.Diagnostics;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>Paths of the repository and a way to run its scripts and tools as child processes.</summary>
internal static class Repo
{
    /// <summary>The repository root (the folder holding EdgeToolkit.sln above the test assembly).</summary>
    public static string Root { get; } = FindRoot();

    public static string Arm64Dir => Path.Combine(Root, "deploy", "arm64");

    public static string Script(string name) => Path.Combine(Arm64Dir, name);

    /// <summary>
    /// The artifacts folder this test run was built into, when built with --artifacts-path (so the
    /// scripts' own builds reuse it and do not clash with other builds); null for the default layout.
    /// </summary>
    public static string? ArtifactsPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            // <artifacts>/bin/Deploy.Tests/<config>/
            if (dir.Parent?.Name == "Deploy.Tests" && dir.Parent.Parent?.Name == "bin")
                return dir.Parent.Parent.Parent!.FullName;
            return null;
        }
    }

    /// <summary>edgekit.dll of the same build as this test (test.sh builds the solution first).</summary>
    public static string EdgeKitDll
    {
        get
        {
            string config = new DirectoryInfo(AppContext.BaseDirectory).Name;
            string[] candidates = ArtifactsPath is { } art
                ? [Path.Combine(art, "bin", "EdgeKit", config, "edgekit.dll")]
                : [Path.Combine(Root, "tools", "EdgeKit", "bin", "Debug", "net10.0", "edgekit.dll"),
                   Path.Combine(Root, "tools", "EdgeKit", "bin", "Release", "net10.0", "edgekit.dll")];
            return candidates.FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"edgekit.dll not found at {string.Join(" or ", candidates)}; build the solution (./test.sh does) before these tests");
        }
    }

    public static ProcessResult Run(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? workingDirectory = null, int timeoutSeconds = 600)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) info.Environment.Remove(k); else info.Environment[k] = v;
            }
        }
        using var p = Process.Start(info)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A safety net against a hung child, not a timing assertion.
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <c>edgekit</c> of this build with <paramref name="args"/>, logs the output, and asserts exit 0.</summary>
    public static ProcessResult EdgeKit(ITestOutputHelper output, params string[] args)
    {
        var r = Run("dotnet", [EdgeKitDll, .. args], timeoutSeconds: 900);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    public static ProcessResult Bash(string script, params string[] args) => Run("bash", [script, .. args]);

    /// <summary>Fails with install instructions when a tool the test needs is missing (tests never skip).</summary>
    public static string RequireTool(string name, string debianPackage)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"{name} is not installed: apt-get install {debianPackage} (test.sh installs it when run as root)");
        return name;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeToolkit.sln"))) return dir.FullName;
        }
        // Built with --artifacts-path outside the repository: the source tree is where this file was compiled.
        return FindRootFrom(ThisFile());
    }

    private static string FindRootFrom(string file)
    {
        for (var dir = new FileInfo(file).Directory; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeToolkit.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"EdgeToolkit.sln not found above {AppContext.BaseDirectory} or {file}");
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
