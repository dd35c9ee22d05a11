using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;

namespace EdgeToolkit.EdgeKit.Tests;

public sealed class CommandLineTests
{
    private static RootCommand Root() => new() { TrainCommand.Create(), EvalCommand.Create(), ModelsCommand.Create(), PruneCommand.Create() };

    [Fact]
    public void Train_parses_every_documented_option()
    {
        var result = Root().Parse(
            "train --arch resnet20 --alpha 1 --input-size 32 --data fashion-mnist --data-path /x --epochs 3 --batch-size 64 " +
            "--optimizer adamw --lr 0.001 --momentum 0.8 --nesterov --weight-decay 0.01 --schedule step --warmup 1 " +
            "--label-smoothing 0.1 --seed 5 --threads 2 --out runs/x --resume --limit-train 100 --time-budget 30m --bn-sparsity 1e-4");

        Assert.Empty(result.Errors);
        Assert.Equal("train", result.CommandResult.Command.Name);
    }

    [Fact]
    public void The_benchmark_verbs_are_listed_and_print_their_help()
    {
        // They were hidden: `edgekit bench-train --help` printed nothing, though docs/benchmarks.md gives their commands.
        var (rootCode, rootHelp) = EdgeKitProcess.Run("--help");
        Assert.True(rootCode == 0, rootHelp);
        Assert.Contains("bench-train", rootHelp, StringComparison.Ordinal);
        Assert.Contains("bench-latency", rootHelp, StringComparison.Ordinal);
        var (code, help) = EdgeKitProcess.Run("bench-train", "--help");
        Assert.True(code == 0, help);
        Assert.Contains("Measure training throughput", help, StringComparison.Ordinal);
        Assert.Contains("--batch-size", help, StringComparison.Ordinal);
        Assert.Contains("Timed training steps per architecture", help, StringComparison.Ordinal);
        var (latencyCode, latencyHelp) = EdgeKitProcess.Run("bench-latency", "--help");
        Assert.True(latencyCode == 0, latencyHelp);
        Assert.Contains("--peak-gflops", latencyHelp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train --optimizer rmsprop", "rmsprop")]
    [InlineData("train --schedule linear", "linear")]
    [InlineData("train --epochs many", "many")]
    [InlineData("eval --data embedded", "--checkpoint")]
    [InlineData("train --bn-sparsity -0.5", "--bn-sparsity must be in [0, 1] but is -0.5")]
    [InlineData("train --bn-sparsity 2", "--bn-sparsity must be in [0, 1] but is 2")]
    [InlineData("train --limit-train -3", "--train-limit must be in [0, 100000000] but is -3")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --target-latency -2", "--target-latency-ms must be in [0, 1000000] but is -2")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --target-latency-of-alpha 2", "--target-latency-of-alpha must be in [0, 1] but is 2")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --steps 0", "--steps must be in [1, 32] but is 0")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --min-channels 0", "--min-channels must be in [1, 100000] but is 0")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --plan random", "--plan 'random' is not one of uniform, sensitivity, slimming")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --schedule-unit flops", "--schedule-unit 'flops' is not one of channels, macs")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --step-learning-rate 0", "--step-learning-rate must be in [1E-08, 10] but is 0")]
    [InlineData("prune --checkpoint c --alpha 0.5 --out o --latency-threads many", "--latency-threads must be an integer but is 'many'")]
    public void Bad_arguments_are_parse_errors_naming_the_value(string args, string named)
    {
        var result = Root().Parse(args);

        Assert.NotEmpty(result.Errors);
        Assert.Contains(result.Errors, e => e.Message.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Models_lists_every_architecture_with_params_and_macs()
    {
        foreach (var arch in Training.Models.ModelFactory.Architectures)
            Assert.Contains(ModelsCommand.DefaultRows, s => s.Architecture == arch && s.InputSize == 32 && s.NumClasses == 10);
        Assert.Contains(ModelsCommand.DefaultRows, s => s.Architecture == "mobilenet_v1" && s.InputSize == 224 && s.NumClasses == 1000);

        // Measuring all rows is slow on a shared machine; measure two representative ones.
        using var writer = new StringWriter();
        ModelsCommand.Write(writer, [new("resnet20", 10, 1, 32), new("mobilenet_v1", 1000, 3, 224)]);
        string text = writer.ToString();
        var mobileNet224 = text.Split('\n').Single(l => l.StartsWith("mobilenet_v1", StringComparison.Ordinal) && l.Contains("1.00") && l.Contains("224x224x3/1000"));
        Assert.Contains("4.23M", mobileNet224);
        Assert.Contains("568.74M", mobileNet224);
        var resnet20 = text.Split('\n').Single(l => l.StartsWith("resnet20 ", StringComparison.Ordinal));
        Assert.Contains("269.4K", resnet20);
    }
}
