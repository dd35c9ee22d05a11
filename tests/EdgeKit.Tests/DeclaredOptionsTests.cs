using System.CommandLine;
using System.Text.Json;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.EdgeKit.Commands;

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

    public static TheoryData<string> Verbs => new() { "export", "eval-bundle", "train", "prune" };

    private static (Command Command, IReadOnlyList<PassOption> Declared) Verb(string name) => name switch
    {
        "export" => (ExportCommand.Create(), ExportPassOptions.Declared),
        "eval-bundle" => (EvalBundleCommand.Create(), EvaluatePassOptions.Declared),
        "prune" => (PruneCommand.Create(), [.. PrunePassOptions.Declared, .. FineTunePassOptions.CliDeclared]),
        _ => (TrainCommand.Create(), [TrainPassOptions.BatchNormSparsitySetting, TrainPassOptions.RandomErasingSetting, TrainPassOptions.EmaDecaySetting]),
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_declared_setting_of_a_pass_is_a_flag_of_its_verb_with_the_declared_help(string verb)
    {
        var (command, declaredList) = Verb(verb);
        foreach (var declared in declaredList)
        {
            var option = command.Options.SingleOrDefault(o => o.Name == declared.CliName);
            Assert.True(option is not null, $"edgekit export has no {declared.CliName} for the recipe key {declared.Key}");
            foreach (string alias in declared.CliAliases) Assert.Contains(alias, option.Aliases);
            Assert.Contains(declared.Accepts, option.Description, StringComparison.Ordinal);
        }
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

    [Theory]
    [InlineData("export --checkpoint c --out o --opset many", "--opset must be an integer but is 'many'.")]
    [InlineData("train --bn-sparsity lots", "--bn-sparsity must be a number but is 'lots'.")]
    public void A_value_that_does_not_parse_is_a_parse_error_naming_the_flag(string args, string message)
    {
        var parsed = new RootCommand { ExportCommand.Create(), TrainCommand.Create() }.Parse(args); // used to throw from the range validator
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
