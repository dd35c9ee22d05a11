using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeKit.Commands;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.EdgeKit.Tests;

public sealed class CommandLineTests
{
    private static RootCommand Root() => new() { TrainCommand.Create(), EvalCommand.Create(), ModelsCommand.Create(), PruneCommand.Create() };

    [Fact]
    public void Help_states_a_declared_default_once_in_the_spelling_the_option_accepts()
    {
        // System.CommandLine appended its own "[default: ...]" to declared options' descriptions, which already end with
        // "default sgd": enums showed their C# name (`[default: Sgd]`, `[default: DepthwiseConv]`, not values the option
        // accepts) and every declared number said its default twice.
        var root = EdgeKitCommandLine.Create();
        foreach (var verb in root.Subcommands)
        {
            string page = Help(verb, int.MaxValue);
            foreach (var option in verb.Options.Where(o => o.Description is not null && !o.Hidden))
            {
                bool declared = option is IDeclaredOption;
                // Unwrapped, a row is one line: "  --names <value>   description[ [default: x]]".
                string[] rows = [.. page.Split('\n').Where(l => l.EndsWith(option.Description!, StringComparison.Ordinal) || l.Contains(option.Description! + " [", StringComparison.Ordinal))];
                Assert.True(rows.Length == 1, $"{verb.Name} {option.Name}: {rows.Length} rows end with its description");
                string row = rows[0];
                if (declared) Assert.True(row.EndsWith(option.Description!, StringComparison.Ordinal), $"{verb.Name} {option.Name}: {row}");
            }
        }

        // No row states its default twice: an option written by hand over a declared setting (bench's --threads, which
        // takes several counts) is a DeclaredOption as well.
        var twice = new System.Text.RegularExpressions.Regex(@"default ([^)\s]+)\) \[default: \1\]", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        foreach (var verb in root.Subcommands)
            Assert.DoesNotMatch(twice, Help(verb, int.MaxValue));

        string train = Help(root.Subcommands.Single(c => c.Name == "train"), int.MaxValue);
        Assert.Contains("(sgd, adam, adamw; default sgd)", train, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Sgd]", train, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Cosine]", train, StringComparison.Ordinal);
        Assert.DoesNotContain("default 128) [default: 128]", train, StringComparison.Ordinal);
        // Options not made from a declared setting keep System.CommandLine's default.
        Assert.Contains("[default: 42]", train, StringComparison.Ordinal);
        Assert.Contains("[default: mobilenet_v1]", train, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: DepthwiseConv]", Help(root.Subcommands.Single(c => c.Name == "export"), int.MaxValue), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    public void Help_wrapped_to_a_narrow_terminal_keeps_the_same_defaults(int width)
    {
        // Whatever the width (a value name or a long name wraps below the names at 80 and 50 columns), the same defaults
        // are shown: those of the options not made from a declared setting.
        var root = EdgeKitCommandLine.Create();
        foreach (var verb in root.Subcommands)
        {
            string wide = Help(verb, int.MaxValue), narrow = Help(verb, width);
            Assert.Equal(Defaults(wide), Defaults(narrow));
            Assert.DoesNotContain(narrow.Split('\n'), l => l.Length > 0 && l.Trim().Length == 0);
        }

        // Without white space: a narrow page breaks long words too ("densen" / "et-bc-40").
        static string[] Defaults(string page) => [.. Regex.Matches(Regex.Replace(page, @"\s+", ""), @"\[default:[^\]]*\]").Select(m => m.Value)];
    }

    [Fact]
    public void The_program_prints_declared_defaults_once()
    {
        var (code, help) = EdgeKitProcess.Run("train", "--help");
        Assert.True(code == 0, help);
        Assert.Contains("(cosine, step, multi-step, one-cycle; default cosine)", help, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Cosine]", help, StringComparison.Ordinal);
        Assert.Contains("[default: 42]", help, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_default_is_back_after_help()
    {
        // Help writes its page while declared options have no default; a later parse must see the defaults again.
        var root = EdgeKitCommandLine.Create();
        using var output = new StringWriter();
        Assert.Equal(0, root.Parse("train --help").Invoke(new InvocationConfiguration { Output = output }));
        var parsed = root.Parse("train");
        Assert.Equal(OptimizerKind.Sgd, parsed.GetValue<OptimizerKind>(TrainPassOptions.OptimizerOption.CliName));
        Assert.Equal(128, parsed.GetValue<int>(TrainPassOptions.BatchSizeOption.CliName));
    }

    private static string Help(Command verb, int width)
    {
        // A new root each time: System.CommandLine's help action keeps the width of its first page.
        var root = EdgeKitCommandLine.Create();
        ((DeclaredDefaultsHelpAction)root.Options.OfType<HelpOption>().Single().Action!).MaxWidth = width;
        using var output = new StringWriter();
        int code = root.Parse([verb.Name, "--help"]).Invoke(new InvocationConfiguration { Output = output });
        Assert.True(code == 0, output.ToString());
        return output.ToString().ReplaceLineEndings("\n");
    }

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
