using System.Text.Json;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>Runs <c>edgekit train</c> as a child process, interrupts it (SIGINT / SIGKILL) and resumes.</summary>
public sealed class TrainCommandProcessTests
{
    private static string[] TrainArgs(string outDir, params string[] extra) =>
    [
        "train", "--data", "embedded", "--arch", "mobilenet_v1", "--alpha", "0.25", "--input-size", "16",
        // 80 batches an epoch: seconds between the awaited progress line and the end of the run, so a
        // signal sent when the line arrives lands mid-run even on a loaded CI machine.
        "--limit-train", "2560", "--limit-test", "100", "--batch-size", "32", "--epochs", "3", "--threads", "1",
        "--progress-interval", "2", "--out", outDir, .. extra,
    ];

    private static string TempFolder() =>
        Path.Combine(Path.GetTempPath(), "edgekit-cli-tests", Guid.NewGuid().ToString("N"));

    private static int[] LoggedEpochs(string outDir) =>
        File.ReadAllLines(Path.Combine(outDir, "train-log.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()).ToArray();

    private static JsonElement State(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "last", "state.json"))).RootElement;

    [Fact]
    public void Sigint_saves_a_resumable_checkpoint_mid_epoch_and_resume_finishes_the_run()
    {
        string outDir = TempFolder();
        using (var run = EdgeKitProcess.Start(TrainArgs(outDir)))
        {
            run.WaitForLine(l => l.StartsWith("epoch 2/3 batch 4/", StringComparison.Ordinal));
            run.Interrupt();
            int interruptedCode = run.WaitForExit();
            Assert.True(interruptedCode == 130, $"exit {interruptedCode}:\n{run.Output}");
            Assert.Contains("Interrupted after 1 complete epochs", run.Output);
            Assert.Contains("--resume", run.Output);
        }
        var state = State(outDir);
        Assert.Equal(1, state.GetProperty("completedEpochs").GetInt32());
        int partial = state.GetProperty("partialBatches").GetInt32();
        Assert.InRange(partial, 4, 79);
        Assert.Equal([1], LoggedEpochs(outDir));

        var (code, output) = EdgeKitProcess.Run(TrainArgs(outDir, "--resume"));

        Assert.True(code == 0, output);
        Assert.Contains($"{partial} batches into epoch 2", output);
        Assert.DoesNotContain("epoch 1/3 batch", output);
        Assert.Equal([1, 2, 3], LoggedEpochs(outDir));
        Assert.Equal(3, State(outDir).GetProperty("completedEpochs").GetInt32());
    }

    [Fact]
    public void A_time_budget_plans_the_run_and_reports_planned_and_actual_time()
    {
        string outDir = TempFolder();
        var (code, output) = EdgeKitProcess.Run("train", "--data", "embedded", "--arch", "mobilenet_v1", "--alpha", "0.25", "--input-size", "16",
            "--limit-train", "512", "--limit-test", "100", "--batch-size", "32", "--threads", "1", "--time-budget", "25s", "--out", outDir);

        Assert.True(code == 0, output);
        Assert.Matches(@"Time budget \d+ s: [0-9.]+ s/step over \d+ steps, evaluation about [0-9.]+ s, checkpoint [0-9.]+ s -> \d+ epochs of \d+ steps", output);
        Assert.Matches(@"Time budget 00:00:25: planned 00:00:\d\d of training at the start, took 00:00:\d\d", output);
        var plan = State(outDir).GetProperty("plan");
        Assert.InRange(plan.GetProperty("firstPlannedSeconds").GetDouble(), 1, 25); // stored, so --resume reports it too
        int epochs = plan.GetProperty("epochs").GetInt32();
        Assert.Equal(Enumerable.Range(1, epochs), LoggedEpochs(outDir));
        Assert.Equal((epochs - 1) * plan.GetProperty("stepsPerEpoch").GetInt32() + plan.GetProperty("lastEpochSteps").GetInt32(),
            State(outDir).GetProperty("globalStep").GetInt32());
    }

    [Fact]
    public void A_bad_time_budget_is_named()
    {
        var (code, output) = EdgeKitProcess.Run("train", "--data", "embedded", "--time-budget", "soon", "--out", TempFolder());
        Assert.Equal(1, code); // a parse error, refused before anything loads
        Assert.Contains("--time-budget must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but is 'soon'.", output);
    }

    [Fact]
    public void Sigkill_mid_epoch_loses_at_most_that_epoch_and_the_best_checkpoint_evaluates()
    {
        string outDir = TempFolder();
        using (var run = EdgeKitProcess.Start(TrainArgs(outDir)))
        {
            run.WaitForLine(l => l.StartsWith("epoch 2/3 batch 6/", StringComparison.Ordinal));
            run.KillHard();
            run.WaitForExit();
        }
        Assert.Equal(1, State(outDir).GetProperty("completedEpochs").GetInt32());

        var (code, output) = EdgeKitProcess.Run(TrainArgs(outDir, "--resume"));

        Assert.True(code == 0, output);
        Assert.Contains("1 epochs done", output);
        Assert.Contains("epoch 2/3 batch 2/", output);
        Assert.DoesNotContain("epoch 1/3 batch", output);
        Assert.Equal([1, 2, 3], LoggedEpochs(outDir));
        Assert.Contains($"Best checkpoint: {Path.Combine(outDir, "best")}", output);

        var (evalCode, evalOutput) = EdgeKitProcess.Run("eval", "--checkpoint", Path.Combine(outDir, "best"), "--data", "embedded", "--limit", "100", "--threads", "1");
        Assert.True(evalCode == 0, evalOutput);
        Assert.Contains("images: 100", evalOutput);
        Assert.Contains("top-1:", evalOutput);
        Assert.Contains("top-5:", evalOutput);
        Assert.Contains("confusion matrix", evalOutput);

        var (flipCode, flipOutput) = EdgeKitProcess.Run("eval", "--checkpoint", Path.Combine(outDir, "best"), "--data", "embedded", "--limit", "100", "--threads", "1", "--tta", "flip");
        Assert.True(flipCode == 0, flipOutput);
        Assert.Contains("test-time flip (2 forward passes per image; export with --tta flip", flipOutput);
        Assert.Contains("images: 100", flipOutput);
        var (badCode, badOutput) = EdgeKitProcess.Run("eval", "--checkpoint", Path.Combine(outDir, "best"), "--data", "embedded", "--tta", "rotate");
        Assert.NotEqual(0, badCode);
        Assert.Contains("rotate", badOutput);
    }

    [Theory]
    // The declared options refuse a value out of range while parsing, naming the flag and its range.
    [InlineData("--epochs", "0", "--epochs must be in [1, 10000] but is 0")]
    [InlineData("--lr", "-1", "--learning-rate must be in [1E-08, 10] but is -1")]
    [InlineData("--label-smoothing", "1.5", "--label-smoothing must be in [0, 0.99] but is 1.5")]
    [InlineData("--arch", "vgg", "ModelSpec.Architecture 'vgg'")]
    public void Invalid_train_setting_is_named(string option, string value, string expected)
    {
        var (code, output) = EdgeKitProcess.Run("train", "--data", "embedded", "--out", TempFolder(), option, value);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void Eval_of_a_missing_checkpoint_names_the_folder()
    {
        string missing = Path.Combine(TempFolder(), "nope");
        var (code, output) = EdgeKitProcess.Run("eval", "--checkpoint", missing, "--data", "embedded");

        Assert.Equal(1, code);
        Assert.Contains(missing, output);
    }
}
