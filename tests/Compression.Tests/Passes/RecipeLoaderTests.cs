using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Tests.Passes;

public sealed class RecipeLoaderTests
{
    private const string Passes =
        """[ { "name": "train", "options": { "epochs": 2 } }, { "name": "prune" }, { "name": "finetune" }, { "name": "export" }, { "name": "quantize" }, { "name": "evaluate" }, { "name": "bench" } ]""";

    private const string Resnet = """{ "architectures": ["resnet20"] }""";

    private static string Recipe(string dataset = """{ "name": "embedded" }""",
        string matrix = """{ "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5], "precisions": ["fp32", "int8"] }""",
        string passes = Passes) =>
        $$"""{ "name": "t", "dataset": {{dataset}}, "matrix": {{matrix}}, "passes": {{passes}} }""";

    public static TheoryData<string, string> BadRecipes => new()
    {
        { Recipe(passes: """[ { "name": "train" }, { "name": "export" }, { "name": "prun" } ]"""),
          "recipe.json: passes[2].name 'prun' is not a known pass (known: train, prune, finetune, export, quantize, evaluate, bench)" },
        { Recipe(passes: """[ { "name": "train", "options": { "timeBudget": "soon" } } ]"""),
          "recipe.json: passes[0].options.timeBudget must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but is 'soon'" },
        { Recipe(matrix: """{ "architectures": ["mobilenet_v1"], "alphas": [1.0, 1.5] }"""),
          "recipe.json: matrix.alphas[1] 1.5 is out of range" },
        { Recipe(matrix: """{ "architectures": ["mobilenet_v1"], "alphas": [0] }"""),
          "recipe.json: matrix.alphas[0] 0 is out of range" },
        { Recipe(dataset: """{ "name": "fashion-mnist", "path": "/nonexistent/fashion" }"""),
          "recipe.json: dataset.path '/nonexistent/fashion' does not exist" },
        { Recipe(dataset: """{ "name": "imagenet" }"""),
          "recipe.json: dataset.name 'imagenet' is neither a known dataset" },
        { Recipe(dataset: """{ "path": "/tmp" }"""),
          "recipe.json: dataset.name is required" },
        { """{ "name": "t", "matrix": { "architectures": ["resnet20"] }, "passes": [ { "name": "train" } ] }""",
          "recipe.json: dataset is required" },
        { Recipe(matrix: """{ "architectures": ["mobilenet"], "alphas": [1.0] }"""),
          "recipe.json: matrix.architectures[0] 'mobilenet' is not a known architecture (known: " },
        { Recipe(matrix: """{ "architectures": ["mobilenet_v1"], "precisions": ["fp32", "int4"] }"""),
          "recipe.json: matrix.precisions[1] 'int4' is not one of fp32, int8" },
        { Recipe(matrix: """{ "architectures": ["resnet20"], "alphas": [0.5] }"""),
          "recipe.json: matrix.alphas lists a width multiplier below 1 but no architecture is mobilenet_v1" },
        { Recipe(passes: """[ { "name": "train", "options": { "epochs": 0 } } ]"""),
          "recipe.json: passes[0].options.epochs must be in [1, 10000] but is 0" },
        { Recipe(passes: """[ { "name": "train", "options": { "bnSparsity": -0.001 } } ]"""),
          "recipe.json: passes[0].options.bnSparsity must be in [0, 1] but is -0.001" },
        { Recipe(passes: """[ { "name": "train", "options": { "epochz": 3 } } ]"""),
          "recipe.json: passes[0].options.epochz is not a known setting of the train pass" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune", "options": { "importance": "l2" } } ]"""),
          "recipe.json: passes[1].options.importance 'l2' is not one of l1, bn" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "finetune", "options": { "temperature": "hot" } } ]"""),
          "recipe.json: passes[1].options.temperature must be a number but is the string 'hot'" },
        { Recipe(passes: """[ { "name": "export" } ]"""),
          "recipe.json: passes[0].name 'export' needs a TorchSharp checkpoint; here it gets nothing (it is first)" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "quantize" } ]"""),
          "recipe.json: passes[1].name 'quantize' needs an ONNX bundle (put it after 'export'); here it gets a checkpoint" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "evaluate" } ]"""),
          "recipe.json: matrix.precisions lists int8 but the passes have no 'quantize' pass" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "export" }, { "name": "quantize" } ]"""),
          "recipe.json: matrix.alphas lists a width multiplier below 1 but no pass produces it" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "floatLayers": ["stem"] } } ]"""),
          "recipe.json: passes[3].options.floatLayers[0] 'stem' is not one of auto, first-conv, classifier, none" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "maxDrop": -1 } } ]"""),
          "recipe.json: passes[3].options.maxDrop must be in [0, 100] but is -1" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "heldOutImages": 5 } } ]"""),
          "recipe.json: passes[3].options.heldOutImages must be in [100, 1000000] but is 5" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "latencyCheck": "sometimes" } } ]"""),
          "recipe.json: passes[3].options.latencyCheck 'sometimes' is not one of warn, fail, off" },
        { Recipe(passes: """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "latencyThreads": 0 } } ]"""),
          "recipe.json: passes[3].options.latencyThreads must be in [1, 256] but is 0" },
        { Recipe(passes: """[]"""),
          "recipe.json: passes must list at least one pass" },
        { Recipe(passes: """[ { "pass": "train" } ]"""),
          "recipe.json: passes[0].name is required" },
        { """{ "name": "t", "dataset": { "name": "embedded" }, "matrix": { "architectures": ["resnet20"] }, "passes": [ { "name": "train" } ], "extra": 1 }""",
          "recipe.json: extra is not a known setting of a recipe" },
        { """{ "name": "t", """, "recipe.json: not valid JSON at line 1" },
    };

    [Theory]
    [MemberData(nameof(BadRecipes))]
    public void Bad_recipes_fail_before_any_work_naming_the_field(string json, string expectedStart)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(json, "recipe.json"));
        Assert.StartsWith(expectedStart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_recipe_gives_validated_passes_and_the_matrix_cells()
    {
        var recipe = RecipeLoader.Parse(Recipe(), "recipe.json");
        Assert.Equal(["train", "prune", "finetune", "export", "quantize", "evaluate", "bench"], recipe.Passes.Select(p => p.Name));
        Assert.Equal(2, ((TrainPass)recipe.Passes[0]).Options.Epochs);
        Assert.Equal(ChannelImportance.L1Norm, ((PrunePass)recipe.Passes[1]).Options.Cut.Importance);
        Assert.Equal(
            ["mobilenet_v1-a1-fp32", "mobilenet_v1-a1-int8", "mobilenet_v1-a0.5-fp32", "mobilenet_v1-a0.5-int8"],
            recipe.Matrix.Cells().Select(c => c.Tag));
    }

    [Fact]
    public void A_train_time_budget_is_read_and_lifts_the_default_epochs_to_an_upper_bound()
    {
        var budgeted = (TrainPass)RecipeLoader.Parse(Recipe(matrix: Resnet, passes: """[ { "name": "train", "options": { "timeBudget": "1h30m" } } ]"""), "recipe.json").Passes[0];
        Assert.Equal(TimeSpan.FromMinutes(90), budgeted.Options.TimeBudget);
        Assert.Equal(TrainPassOptions.BudgetMaxEpochs, budgeted.Options.Epochs);
        var plain = (TrainPass)RecipeLoader.Parse(Recipe(matrix: Resnet, passes: """[ { "name": "train" } ]"""), "recipe.json").Passes[0];
        Assert.Null(plain.Options.TimeBudget);
        Assert.Equal(TrainPassOptions.EpochsOption.Default, plain.Options.Epochs);
    }

    [Fact]
    public void Train_bn_sparsity_is_read_from_the_declaration_the_cli_binds()
    {
        var slimming = (TrainPass)RecipeLoader.Parse(Recipe(matrix: Resnet, passes: """[ { "name": "train", "options": { "bnSparsity": 0.0001 } } ]"""), "recipe.json").Passes[0];
        Assert.Equal(1e-4, slimming.Options.BatchNormSparsity);
        var plain = (TrainPass)RecipeLoader.Parse(Recipe(matrix: Resnet, passes: """[ { "name": "train" } ]"""), "recipe.json").Passes[0];
        Assert.Equal(TrainPassOptions.BatchNormSparsitySetting.Default, plain.Options.BatchNormSparsity);
        Assert.Equal(("bnSparsity", "--bn-sparsity"), (TrainPassOptions.BatchNormSparsitySetting.Key, TrainPassOptions.BatchNormSparsitySetting.CliName));
    }

    [Fact]
    public void Train_optimiser_schedule_and_augmentation_are_read()
    {
        var train = (TrainPass)RecipeLoader.Parse(Recipe(matrix: Resnet, passes:
            """[ { "name": "train", "options": { "epochs": 164, "weightDecay": 0.0001, "nesterov": true, "schedule": "multi-step", "milestones": [82, 123], "randomCropPadding": 4, "labelSmoothing": 0.1 } } ]"""),
            "recipe.json").Passes[0];
        Assert.Equal(Training.Training.LearningRateScheduleKind.MultiStep, train.Options.Schedule);
        Assert.Equal([82, 123], train.Options.Milestones);
        Assert.Equal(1e-4, train.Options.WeightDecay);
        Assert.True(train.Options.Nesterov);
        Assert.Equal(4, train.Options.RandomCropPadding);
        Assert.Equal(0.1, train.Options.LabelSmoothing);
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Recipe(matrix: Resnet, passes:
            """[ { "name": "train", "options": { "schedule": "multi-step" } } ]"""), "recipe.json"));
        Assert.Equal("recipe.json: passes[0].options.milestones must list the epochs of the multi-step schedule", e.Message);
    }

    [Fact]
    public void Quantize_options_floatLayers_equalize_and_reduceRange_are_read()
    {
        var recipe = RecipeLoader.Parse(Recipe(passes:
            """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "floatLayers": ["first-conv", "classifier"], "equalize": true, "reduceRange": true } } ]"""),
            "recipe.json");
        var options = ((QuantizePass)recipe.Passes[3]).Options.Quantization;
        Assert.Equal(FloatLayers.FirstConv | FloatLayers.Classifier, options.FloatLayers);
        Assert.True(options.EqualizeLayers);
        Assert.True(options.ReduceWeightRange);
        Assert.Null(options.MaxAccuracyDrop);
        var accuracy = (QuantizePass)RecipeLoader.Parse(Recipe(passes:
            """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "maxDrop": 0.5, "heldOutImages": 400, "biasCorrection": true } } ]"""),
            "recipe.json").Passes[3];
        Assert.Equal(0.5, accuracy.Options.Quantization.MaxAccuracyDrop);
        Assert.True(accuracy.Options.Quantization.CorrectBias);
        Assert.Equal(400, accuracy.Options.HeldOutImages);
        Assert.Equal(LatencyCheckMode.Warn, accuracy.Options.LatencyCheckMode);
        Assert.Equal(2, accuracy.Options.LatencyThreads);
        var latency = (QuantizePass)RecipeLoader.Parse(Recipe(passes:
            """[ { "name": "train" }, { "name": "prune" }, { "name": "export" }, { "name": "quantize", "options": { "latencyCheck": "fail", "latencyThreads": 4 } } ]"""),
            "recipe.json").Passes[3];
        Assert.Equal(LatencyCheckMode.Fail, latency.Options.LatencyCheckMode);
        Assert.Equal(4, latency.Options.LatencyThreads);
        var defaults = ((QuantizePass)RecipeLoader.Parse(Recipe(), "recipe.json").Passes[4]).Options.Quantization;
        Assert.Equal(QuantizationOptions.Default, defaults);
    }

    [Fact]
    public void Non_MobileNet_architectures_get_alpha_one_only()
    {
        var matrix = new RecipeMatrix(["resnet20", "mobilenet_v1"], [1.0, 0.25], [Precision.Int8, Precision.Fp32]);
        Assert.Equal(
            ["resnet20-a1-fp32", "resnet20-a1-int8", "mobilenet_v1-a1-fp32", "mobilenet_v1-a1-int8", "mobilenet_v1-a0.25-fp32", "mobilenet_v1-a0.25-int8"],
            matrix.Cells().Select(c => c.Tag));
    }

    [Theory]
    [InlineData("mobilenet-compression.json", 7, 8)]
    [InlineData("seed-comparison.json", 5, 6)]
    [InlineData("mobilenet-scratch.json", 4, 3)]
    [InlineData("pruning-study-embedded.json", 6, 4)]
    [InlineData("pruning-study-full.json", 6, 4)]
    [InlineData("fashion-mnist-30min.json", 3, 1)]
    [InlineData("fashion-mnist-30min-28px.json", 3, 3)]
    [InlineData("fashion-mnist-30min-mobilenet-1.0.json", 3, 1)]
    [InlineData("fashion-mnist-30min-densenet-bc-40.json", 3, 1)]
    [InlineData("cifar10-resnet-paper.json", 4, 6)]
    [InlineData("cifar10-densenet-bc-100-paper.json", 4, 2)]
    public void The_shipped_recipes_are_valid(string file, int passes, int cells)
    {
        string path = Path.Combine(RepoRoot(), "recipes", file);
        var recipe = RecipeLoader.Load(path);
        Assert.Equal(passes, recipe.Passes.Count);
        Assert.Equal(cells, recipe.Matrix.Cells().Count);
    }

    [Theory]
    [InlineData("fashion-mnist-30min.json", 32)]
    [InlineData("fashion-mnist-30min-28px.json", 28)]
    [InlineData("fashion-mnist-30min-mobilenet-1.0.json", 28)]
    [InlineData("fashion-mnist-30min-densenet-bc-40.json", 28)]
    public void The_30_minute_recipes_train_at_the_input_size_their_figures_were_measured_at(string file, int inputSize)
    {
        var recipe = RecipeLoader.Load(Path.Combine(RepoRoot(), "recipes", file));
        var train = Assert.Single(recipe.Passes.OfType<TrainPass>());
        Assert.Equal(inputSize, train.Options.InputSize);
        Assert.Equal(TimeSpan.FromMinutes(30), train.Options.TimeBudget);
    }

    /// <summary>
    /// The per-network 30-minute recipes carry the settings that differ from the shared 28x28 recipe and that
    /// their figures in docs/benchmarks.md were measured with: v1 1.0's 1-pixel crop and label smoothing 0.1,
    /// DenseNet-BC-40's batch 64.
    /// </summary>
    [Theory]
    [InlineData("fashion-mnist-30min-mobilenet-1.0.json", "mobilenet_v1", 1.0, 1, 128, 0.1)]
    [InlineData("fashion-mnist-30min-densenet-bc-40.json", "densenet-bc-40", 1.0, 2, 64, 0.0)]
    public void The_per_network_30_minute_recipes_hold_the_settings_their_figures_were_measured_with(
        string file, string architecture, double alpha, int cropPadding, int batchSize, double labelSmoothing)
    {
        var recipe = RecipeLoader.Load(Path.Combine(RepoRoot(), "recipes", file));
        var cell = Assert.Single(recipe.Matrix.Cells());
        Assert.Equal(architecture, cell.Architecture);
        Assert.Equal(alpha, cell.Alpha);
        var train = Assert.Single(recipe.Passes.OfType<TrainPass>());
        Assert.Equal(cropPadding, train.Options.RandomCropPadding);
        Assert.Equal(batchSize, train.Options.BatchSize);
        Assert.True(train.Options.Nesterov);
        Assert.Equal(labelSmoothing, train.Options.LabelSmoothing);
    }

    [Fact]
    public void A_missing_recipe_file_is_named()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Load("/nonexistent/recipe.json"));
        Assert.Equal("/nonexistent/recipe.json: recipe file not found", e.Message);
    }

    /// <summary>The repository root, found from this source file's path (builds may put binaries outside the tree).</summary>
    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (string start in new[] { Path.GetDirectoryName(sourceFile) ?? "", AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeToolkit.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException($"EdgeToolkit.sln not found above {sourceFile} or {AppContext.BaseDirectory}");
    }
}
