using System.CommandLine;
using System.Text.Json;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.EdgeKit.Commands;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>A pass's settings are declared once: the verb's flags and the recipe's keys come from the same declaration.</summary>
public sealed class DeclaredOptionsTests
{
    private static RootCommand Root() => new() { ExportCommand.Create() };

    private static ExportPassOptions FromRecipe(string options)
    {
        using var doc = JsonDocument.Parse(options);
        return ExportPassOptions.Read(new RecipeOptionReader("recipe.json", "passes[1].options", doc.RootElement.Clone()));
    }

    public static TheoryData<string> Verbs => new() { "export", "eval-bundle", "train", "prune", "quantize", "bench" };

    private static (Command Command, IReadOnlyList<PassOption> Declared) Verb(string name) => name switch
    {
        "export" => (ExportCommand.Create(), ExportPassOptions.Declared),
        "eval-bundle" => (EvalBundleCommand.Create(), EvaluatePassOptions.Declared),
        "prune" => (PruneCommand.Create(), [.. PrunePassOptions.Declared, .. FineTunePassOptions.CliDeclared, RecipeDataset.TrainLimitOption, RecipeDataset.TestLimitOption]),
        "quantize" => (QuantizeCommand.Create(), QuantizePassOptions.Declared),
        // bench's --threads takes several counts (each is measured): checked by its own test below.
        "bench" => (BenchCommand.Create(), [.. BenchPassOptions.Declared.Where(d => d != BenchPassOptions.ThreadsOption)]),
        _ => (TrainCommand.Create(), [.. TrainPassOptions.Declared, RecipeDataset.TrainLimitOption, RecipeDataset.TestLimitOption]),
    };

    /// <summary>The options each verb requires, so that a parse with nothing else given has no errors.</summary>
    private static string Required(string verb) => verb switch
    {
        "export" => "--checkpoint c --out o",
        "quantize" => "--bundle b --out o",
        "eval-bundle" or "bench" => "--bundle b",
        "prune" => "--checkpoint c --alpha 0.5 --out o",
        _ => "",
    };

    private static RecipeOptionReader Recipe(string options)
    {
        using var doc = JsonDocument.Parse(options);
        return new RecipeOptionReader("recipe.json", "passes[1].options", doc.RootElement.Clone());
    }

    /// <summary>Declared values read from a parse by flag name, independent of the verb's own binding.</summary>
    private sealed class ByFlag(ParseResult parse) : IPassOptionValues
    {
        public T Get<T>(PassOption<T> option) => parse.GetValue<T>(option.CliName)!;

        public bool Has(PassOption option) => parse.Tokens.Any(t => t.Value == option.CliName || option.CliAliases.Contains(t.Value));

        public string NameOf(PassOption option) => option.CliName;
    }

    /// <summary>A declared setting's value from <paramref name="source"/>, as JSON (lists compare by content).</summary>
    private sealed class JsonValueOf(IPassOptionValues source) : IPassOptionVisitor<string>
    {
        public string Visit(IntPassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(DoublePassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(OptionalDoublePassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(BoolPassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(StringListPassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(IntListPassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit(DurationPassOption option) => JsonSerializer.Serialize(source.Get(option));

        public string Visit<TEnum>(EnumPassOption<TEnum> option) where TEnum : struct, Enum => JsonSerializer.Serialize(source.Get(option));
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_declared_setting_defaults_on_the_command_line_to_the_recipe_default(string verb)
    {
        var (command, declaredList) = Verb(verb);
        var parsed = new RootCommand { command }.Parse($"{verb} {Required(verb)}");
        Assert.Empty(parsed.Errors);
        var recipe = new JsonValueOf(Recipe("{}"));
        var cli = new JsonValueOf(new ByFlag(parsed));
        foreach (var declared in declaredList)
            Assert.True(declared.Accept(recipe) == declared.Accept(cli), $"{verb} {declared.CliName}: recipe default {declared.Accept(recipe)}, command line {declared.Accept(cli)}");
    }

    [Fact]
    public void Quantize_binds_every_setting_the_same_from_a_recipe_and_from_the_command_line()
    {
        var parsed = new RootCommand { QuantizeCommand.Create() }.Parse(
            "quantize --bundle b --out o --method entropy --percentile 99.9 --calibration 64 --exclude a,b --float-layers first-conv,classifier " +
            "--activations int8 --target arm64-dot --symmetric --per-tensor --quantize-output --equalize --reduce-range --ort-input-grid --max-drop 0.5 --held-out 400 --bias-correction");
        Assert.Empty(parsed.Errors);
        var fromCli = QuantizePassOptions.Bind(new ByFlag(parsed));
        var fromRecipe = QuantizePassOptions.Read(Recipe("""
            { "method": "entropy", "percentile": 99.9, "calibrationImages": 64, "exclude": ["a", "b"], "floatLayers": ["first-conv", "classifier"],
              "activations": "int8", "target": "arm64-dot", "symmetric": true, "perTensor": true, "quantizeOutput": true, "equalize": true,
              "reduceRange": true, "ortInputGrid": true, "maxDrop": 0.5, "heldOutImages": 400, "biasCorrection": true }
            """));
        Assert.Equal(JsonSerializer.Serialize(fromRecipe), JsonSerializer.Serialize(fromCli));
        var q = fromCli.Quantization;
        Assert.Equal((CalibrationMethod.Entropy, 99.9, 64, QuantizedActivationType.Int8, QuantizationTarget.Arm64DotProduct, FloatLayers.FirstConv | FloatLayers.Classifier),
            (q.Method, q.Percentile, q.CalibrationCount, q.ActivationType, q.Target, q.FloatLayers));
        Assert.Equal(["a", "b"], q.ExcludedNodes);
        Assert.True(q.SymmetricActivations && !q.PerChannel && q.QuantizeOutputs && q.EqualizeLayers && q.ReduceWeightRange && q.CorrectBias && !q.ExactInputEnds);
        Assert.Equal(((double?)0.5, 400), (q.MaxAccuracyDrop, fromCli.HeldOutImages));
    }

    [Fact]
    public void Train_binds_every_setting_the_same_from_a_recipe_and_from_the_command_line()
    {
        var parsed = new RootCommand { TrainCommand.Create() }.Parse(
            "train --epochs 30 --time-budget 1h30m --batch-size 64 --optimizer adamw --lr 0.01 --momentum 0.8 --weight-decay 0.0001 " +
            "--schedule multi-step --milestones 10,20 --step-size 5 --gamma 0.2 --warmup 2 --label-smoothing 0.1 --input-size 48 " +
            "--crop-padding 4 --horizontal-flip false --random-erasing 0.25 --ema-decay 0.999 --bn-sparsity 0.0001 --evaluate-every 0");
        Assert.Empty(parsed.Errors);
        var fromCli = TrainPassOptions.Bind(new ByFlag(parsed));
        var fromRecipe = TrainPassOptions.Read(Recipe("""
            { "epochs": 30, "timeBudget": "1h30m", "batchSize": 64, "optimizer": "adamw", "learningRate": 0.01, "momentum": 0.8, "weightDecay": 0.0001,
              "schedule": "multi-step", "milestones": [10, 20], "stepSize": 5, "gamma": 0.2, "warmupEpochs": 2, "labelSmoothing": 0.1, "inputSize": 48,
              "randomCropPadding": 4, "horizontalFlip": false, "randomErasing": 0.25, "emaDecay": 0.999, "bnSparsity": 0.0001, "evaluateEvery": 0 }
            """));
        Assert.Equal(JsonSerializer.Serialize(fromRecipe), JsonSerializer.Serialize(fromCli));
        Assert.Equal(0, fromCli.ToTrainerOptions(1, 1, "o").EvaluateEvery);
        Assert.Equal((30, (TimeSpan?)TimeSpan.FromMinutes(90), Training.Training.OptimizerKind.AdamW, 2, 48, false), (fromCli.Epochs, fromCli.TimeBudget, fromCli.Optimizer, fromCli.WarmupEpochs, fromCli.InputSize, fromCli.HorizontalFlip));
        Assert.Equal([10, 20], fromCli.Milestones);
        // The trainer gets the step size too (edgekit train had --step-size, recipes had no way to set it).
        Assert.Equal(5, fromCli.ToTrainerOptions(1, 1, "o").StepSize);
    }

    [Fact]
    public void Train_with_a_time_budget_and_no_epochs_plans_up_to_the_budget_maximum_on_both_routes()
    {
        var parsed = new RootCommand { TrainCommand.Create() }.Parse("train --time-budget 30m");
        Assert.Equal(TrainPassOptions.BudgetMaxEpochs, TrainPassOptions.Bind(new ByFlag(parsed)).Epochs);
        Assert.Equal(TrainPassOptions.BudgetMaxEpochs, TrainPassOptions.Read(Recipe("{ \"timeBudget\": \"30m\" }")).Epochs);
        Assert.Equal(TrainPassOptions.EpochsOption.Default, TrainPassOptions.Bind(new ByFlag(new RootCommand { TrainCommand.Create() }.Parse("train"))).Epochs);
    }

    [Fact]
    public void Bench_binds_its_settings_from_the_declarations_and_measures_each_thread_count()
    {
        var root = new RootCommand { BenchCommand.Create() };
        var parsed = root.Parse("bench --bundle b --runs 50 --warmup 5 --optimization extended --provider tensorrt --device-id 1 --threads 1 2");
        Assert.Empty(parsed.Errors);
        var fromCli = BenchPassOptions.Bind(new ByFlag(parsed));
        var fromRecipe = BenchPassOptions.Read(Recipe("""{ "runs": 50, "warmup": 5, "optimization": "extended", "provider": "tensorrt", "deviceId": 1 }"""));
        Assert.Equal(fromRecipe, fromCli);
        Assert.Equal(Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, fromCli.OrtOptimizationLevel);
        Assert.Equal([1, 2], parsed.GetValue<int[]>("--threads")!);
        Assert.Equal([BenchPassOptions.ThreadsOption.Default], root.Parse("bench --bundle b").GetValue<int[]>("--threads")!);
        Assert.Contains(root.Parse("bench --bundle b --threads 1 0").Errors, e => e.Message == "--threads must be in [1, 256] but is 0.");
        Assert.Contains(root.Parse("bench --bundle b --runs lots").Errors, e => e.Message == "--runs must be an integer but is 'lots'.");
        Assert.Contains(root.Parse("bench --bundle b --optimization max").Errors, e => e.Message == "--optimization 'max' is not one of disable, basic, extended, all");
        Assert.Contains("recipe.json: passes[1].options.threads must be in [1, 256] but is 0",
            Assert.Throws<RecipeException>(() => BenchPassOptions.Read(Recipe("{ \"threads\": 0 }"))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--method minmax", "{ \"method\": \"minmax\" }")]
    [InlineData("--activations uint8", "{ \"activations\": \"uint8\" }")]
    [InlineData("--target x64-vnni", "{ \"target\": \"x64-vnni\" }")]
    [InlineData("--float-layers none", "{ \"floatLayers\": [\"none\"] }")]
    public void Quantize_names_documented_before_the_declarations_still_bind(string flag, string recipe)
    {
        var parsed = new RootCommand { QuantizeCommand.Create() }.Parse($"quantize --bundle b --out o {flag}");
        Assert.Empty(parsed.Errors);
        Assert.Equal(JsonSerializer.Serialize(QuantizePassOptions.Read(Recipe(recipe))), JsonSerializer.Serialize(QuantizePassOptions.Bind(new ByFlag(parsed))));
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_declared_setting_of_a_pass_is_a_flag_of_its_verb_with_the_declared_help(string verb)
    {
        var (command, declaredList) = Verb(verb);
        foreach (var declared in declaredList)
        {
            var option = command.Options.SingleOrDefault(o => o.Name == declared.CliName);
            Assert.True(option is not null, $"edgekit {verb} has no {declared.CliName} for the recipe key {declared.Key}");
            foreach (string alias in declared.CliAliases) Assert.Contains(alias, option.Aliases);
            Assert.Contains(declared.Accepts, option.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Enum_flags_offer_their_kebab_case_names_only()
    {
        // Help prints an option's completions as its value list: System.CommandLine adds an enum's C# names on its own,
        // so `quantize --help` showed <Arm64|arm64|arm64-dot|Arm64DotProduct|Host|host|X64|x64|x64-vnni|X64Vnni>.
        static string[] Offered(Command command, string name) => [.. command.Options.Single(o => o.Name == name)
            .GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label).Order(StringComparer.Ordinal)];
        Assert.Equal(["arm64", "arm64-dot", "host", "x64", "x64-vnni"], Offered(QuantizeCommand.Create(), QuantizePassOptions.TargetOption.CliName));
        Assert.Equal(["manifest", "training-loader"], Offered(EvalBundleCommand.Create(), "--preprocessing"));
        // eval's --tta was a plain enum option: `eval --help` showed `--tta <Flip|None>`; now spelled as export's.
        Assert.Equal(["flip", "none"], Offered(EvalCommand.Create(), "--test-time-augmentation"));
        Assert.Equal(["flip", "none"], Offered(ExportCommand.Create(), "--test-time-augmentation"));
    }

    [Fact]
    public void Eval_reads_test_time_augmentation_as_export_does()
    {
        var root = new RootCommand { EvalCommand.Create() };
        Assert.Equal(TestTimeAugmentation.Flip, root.Parse("eval --checkpoint c --tta flip").GetValue<TestTimeAugmentation>("--test-time-augmentation"));
        Assert.Equal(TestTimeAugmentation.Flip, root.Parse("eval --checkpoint c --test-time-augmentation flip").GetValue<TestTimeAugmentation>("--test-time-augmentation"));
        Assert.Equal(TestTimeAugmentation.None, root.Parse("eval --checkpoint c").GetValue<TestTimeAugmentation>("--test-time-augmentation"));
        Assert.Contains(root.Parse("eval --checkpoint c --tta rotate").Errors, e => e.Message.Contains("'rotate' is not one of none, flip", StringComparison.Ordinal));
    }

    [Fact]
    public void Export_defaults_on_the_command_line_are_the_recipe_defaults()
    {
        var parsed = Root().Parse("export --checkpoint c --out o");
        Assert.Empty(parsed.Errors);
        var defaults = FromRecipe("{}");
        Assert.Equal(defaults.Opset, parsed.GetValue<int>(ExportPassOptions.OpsetOption.CliName));
        Assert.Equal(defaults.VerificationImages, parsed.GetValue<int>(ExportPassOptions.VerificationImagesOption.CliName));
        Assert.Equal(defaults.StandaloneBatchNorm, parsed.GetValue<StandaloneBatchNormMode>(ExportPassOptions.StandaloneBatchNormOption.CliName));
    }

    [Theory]
    [InlineData(13, true)]
    [InlineData(17, true)]
    [InlineData(15, false)] // the recipe used to accept 13-21 while the exporter writes 13 or 17 only
    [InlineData(21, false)]
    public void Recipe_and_command_line_accept_the_same_opsets(int opset, bool accepted)
    {
        var parsed = Root().Parse($"export --checkpoint c --out o --opset {opset}");
        Assert.Equal(accepted, parsed.Errors.Count == 0);
        if (accepted)
        {
            Assert.Equal(opset, FromRecipe($"{{\"opset\": {opset}}}").Opset);
            new OnnxExportOptions { Opset = opset }.Validate();
        }
        else
        {
            Assert.Contains(parsed.Errors, e => e.Message.Contains("--opset must be 13 or 17", StringComparison.Ordinal));
            var e = Assert.Throws<RecipeException>(() => FromRecipe($"{{\"opset\": {opset}}}"));
            Assert.Contains("passes[1].options.opset must be 13 or 17", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Earlier_spellings_and_the_enum_names_bind_to_the_same_setting()
    {
        var parsed = Root().Parse("export --checkpoint c --out o --verify-images 5 --standalone-batchnorm batchnorm");
        Assert.Empty(parsed.Errors);
        Assert.Equal(5, parsed.GetValue<int>("--verification-images"));
        Assert.Equal(StandaloneBatchNormMode.BatchNormalization, parsed.GetValue<StandaloneBatchNormMode>("--standalone-batch-norm"));
        Assert.Equal(StandaloneBatchNormMode.BatchNormalization, FromRecipe("{\"standaloneBatchNorm\": \"batchnorm\"}").StandaloneBatchNorm);

        var bad = Root().Parse("export --checkpoint c --out o --standalone-batch-norm fold");
        Assert.Contains(bad.Errors, e => e.Message.Contains("depthwise-conv, batchnorm", StringComparison.Ordinal));
        Assert.Contains("depthwise-conv, batchnorm",
            Assert.Throws<RecipeException>(() => FromRecipe("{\"standaloneBatchNorm\": \"fold\"}")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_time_flip_binds_from_the_cli_and_recipes_and_a_bad_value_is_named()
    {
        var parsed = Root().Parse("export --checkpoint c --out o --tta flip");
        Assert.Empty(parsed.Errors);
        Assert.Equal(TestTimeAugmentation.Flip, parsed.GetValue<TestTimeAugmentation>("--test-time-augmentation"));
        Assert.Equal(TestTimeAugmentation.None, Root().Parse("export --checkpoint c --out o").GetValue<TestTimeAugmentation>("--test-time-augmentation"));
        Assert.Equal(TestTimeAugmentation.Flip, FromRecipe("{\"testTimeAugmentation\": \"flip\"}").TestTimeAugmentation);

        Assert.Contains(Root().Parse("export --checkpoint c --out o --tta rotate").Errors, e => e.Message.Contains("none, flip", StringComparison.Ordinal));
        Assert.Contains("none, flip",
            Assert.Throws<RecipeException>(() => FromRecipe("{\"testTimeAugmentation\": \"rotate\"}")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("export --checkpoint c --out o --opset many", "--opset must be an integer but is 'many'.")]
    [InlineData("train --bn-sparsity lots", "--bn-sparsity must be a number but is 'lots'.")]
    [InlineData("train --limit-train lots", "--train-limit must be an integer but is 'lots'.")]
    [InlineData("train --limit-test -1", "--test-limit must be in [0, 100000000] but is -1.")]
    [InlineData("quantize --bundle b --out o --calibration lots", "--calibration-images must be an integer but is 'lots'.")]
    [InlineData("quantize --bundle b --out o --percentile lots", "--percentile must be a number but is 'lots'.")]
    [InlineData("quantize --bundle b --out o --percentile 40", "--percentile must be in [50, 100] but is 40.")]
    [InlineData("quantize --bundle b --out o --max-drop lots", "--max-drop must be a number but is 'lots'.")]
    [InlineData("quantize --bundle b --out o --float-layers stem", "--float-layers: 'stem' is not one of auto, first-conv, classifier, none.")]
    [InlineData("quantize --bundle b --out o --target arm128", "--target 'arm128' is not one of host, x64, x64-vnni, arm64, arm64-dot")]
    [InlineData("quantize --bundle b --out o --method mse", "--method 'mse' is not one of minmax, percentile, entropy, auto")]
    public void A_value_that_does_not_parse_is_a_parse_error_naming_the_flag(string args, string message)
    {
        // Each of these used to throw InvalidOperationException from a range validator reading a value that did not parse.
        var parsed = new RootCommand { ExportCommand.Create(), TrainCommand.Create(), QuantizeCommand.Create() }.Parse(args);
        Assert.Contains(parsed.Errors, e => e.Message == message);
    }

    [Fact]
    public void Eval_bundle_defaults_on_the_command_line_are_the_recipe_defaults()
    {
        var parsed = new RootCommand { EvalBundleCommand.Create() }.Parse("eval-bundle --bundle b");
        Assert.Empty(parsed.Errors);
        using var doc = JsonDocument.Parse("{}");
        var defaults = EvaluatePassOptions.Read(new RecipeOptionReader("recipe.json", "passes[3].options", doc.RootElement.Clone()));
        Assert.Equal(defaults.BatchSize, parsed.GetValue<int>("--batch-size"));
        Assert.Equal(defaults.Limit, parsed.GetValue<int>("--limit"));
        Assert.Equal(defaults.Preprocessing, parsed.GetValue<Compression.Evaluation.EvaluationPreprocessing>("--preprocessing"));
        Assert.NotEmpty(new RootCommand { EvalBundleCommand.Create() }.Parse("eval-bundle --bundle b --batch-size 0").Errors);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Declared_settings_have_help_and_defaults_inside_their_range(string verb)
    {
        foreach (var declared in Verb(verb).Declared)
        {
            Assert.False(string.IsNullOrWhiteSpace(declared.Help), declared.Key);
            if (declared is IntPassOption i) Assert.Null(i.Problem(i.Default, i.Key));
            if (declared is DoublePassOption d) Assert.Null(d.Problem(d.Default, d.Key));
        }
    }
}
