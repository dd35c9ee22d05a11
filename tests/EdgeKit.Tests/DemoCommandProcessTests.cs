using System.Text.Json;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>Runs <c>edgekit demo --quick</c> and <c>edgekit pipeline</c> end to end as child processes.</summary>
public sealed class DemoCommandProcessTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgekit-demo-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Demo_quick_runs_every_step_including_the_device_agent_and_writes_the_report()
    {
        var (exit, output) = EdgeKitProcess.Run("demo", "--quick", "--output", _root, "--threads", "2");
        Assert.True(exit == 0, output);
        string run = Path.Combine(_root, "demo");

        // Progress lines for every pass, then the table with the four cells.
        foreach (string step in new[] { "train: done", "prune: alpha 1 -> 0.5", "finetune: done", "export: ", "quantize: ", "evaluate: ", "bench: " })
            Assert.Contains(step, output, StringComparison.Ordinal);
        foreach (string row in new[] { "| mobilenet_v1 | 1 | fp32 |", "| mobilenet_v1 | 1 | int8 |", "| mobilenet_v1 | 0.5 | fp32 |", "| mobilenet_v1 | 0.5 | int8 |" })
            Assert.Contains(row, output, StringComparison.Ordinal);
        Assert.Contains("report:  " + Path.Combine(run, "report.html"), output, StringComparison.Ordinal);
        Assert.Contains("alpha 0.5 int8 vs alpha 1.0 fp32: file ", output, StringComparison.Ordinal);

        // The device agent ran in bench mode over the PNG frames of test images.
        Assert.Equal(20, Directory.GetFiles(Path.Combine(run, "frames"), "*.png").Length);
        string agentReport = Path.Combine(run, "agent-bench.json");
        Assert.True(File.Exists(agentReport), output);
        var agent = JsonDocument.Parse(File.ReadAllText(agentReport)).RootElement;
        Assert.Equal("bench", agent.GetProperty("state").GetString());
        Assert.True(agent.GetProperty("framesProcessed").GetInt64() >= 20);
        Assert.Equal(0, agent.GetProperty("framesBad").GetInt64());

        var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "results.json"))).RootElement;
        Assert.Equal(4, results.GetProperty("rows").GetArrayLength());
        Assert.Contains("device agent bench", File.ReadAllText(Path.Combine(run, "results.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_refuses_a_bad_recipe_before_any_work_naming_the_field()
    {
        Directory.CreateDirectory(_root);
        string recipe = Path.Combine(_root, "bad.json");
        File.WriteAllText(recipe, """
            { "name": "bad", "output": "OUT", "dataset": { "name": "embedded" },
              "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5] },
              "passes": [ { "name": "train" }, { "name": "prun" } ] }
            """.Replace("OUT", _root.Replace("\\", "/", StringComparison.Ordinal), StringComparison.Ordinal));
        var (exit, output) = EdgeKitProcess.Run("pipeline", recipe);
        Assert.Equal(2, exit);
        Assert.Contains($"{recipe}: passes[1].name 'prun' is not a known pass (known: train, prune, finetune, export, quantize, evaluate, bench)", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "bad")), "nothing may run for a bad recipe");
    }
}
