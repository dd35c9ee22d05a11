using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Parses and validates a recipe before any work starts. Every problem raises a
/// <see cref="RecipeException"/> naming the file and the JSON field, e.g.
/// <c>recipe.json: passes[2].name 'prun' is not a known pass (known: train, prune, ...)</c>.
/// </summary>
/// <remarks>
/// Format:
/// <code>
/// { "name": "demo", "output": "runs", "seed": 42, "threads": 0,
///   "dataset": { "name": "embedded", "path": null, "trainLimit": 0, "testLimit": 0 },
///   "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5], "precisions": ["fp32", "int8"] },
///   "passes": [ { "name": "train", "options": { "epochs": 3 } }, { "name": "prune" }, ... ] }
/// </code>
/// </remarks>
public static class RecipeLoader
{
    /// <summary>Precisions a matrix may list.</summary>
    public static IReadOnlyList<Precision> Precisions { get; } = [Precision.Fp32, Precision.Int8];

    /// <summary>Reads and validates a recipe file.</summary>
    /// <exception cref="RecipeException">The file is missing, not JSON, or a field is invalid.</exception>
    public static Recipe Load(string path, PassRegistry? registry = null)
    {
        if (!File.Exists(path))
            throw new RecipeException($"{path}: recipe file not found");
        return Parse(File.ReadAllText(path), path, registry);
    }

    /// <summary>Parses and validates recipe JSON; <paramref name="file"/> names it in messages.</summary>
    /// <exception cref="RecipeException">Invalid JSON or an invalid field.</exception>
    public static Recipe Parse(string json, string file, PassRegistry? registry = null)
    {
        registry ??= PassRegistry.Default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new RecipeException($"{file}: not valid JSON at line {(e.LineNumber ?? 0) + 1}, byte {e.BytePositionInLine}: {e.Message}", e);
        }
        using (document)
        {
            var root = new RecipeOptionReader(file, "", document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement
                : throw new RecipeException($"{file}: the recipe must be a JSON object"));
            string name = root.String("name", null) ?? throw root.ErrorAt("name", "is required (the run's folder name)");
            if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
                throw root.ErrorAt("name", $"'{name}' must be a plain folder name");
            string output = root.String("output", "runs")!;
            int seed = root.Int("seed", 42);
            int threads = root.Int("threads", 0, 0, 256);
            var dataset = ReadDataset(file, root.Object("dataset"), root);
            var matrix = ReadMatrix(file, root.Object("matrix"), root);
            var passes = ReadPasses(file, root.Array("passes") ?? throw root.ErrorAt("passes", "is required (a list of passes)"), registry);
            root.RejectUnknown("a recipe");
            CheckMatrixAgainstPasses(file, matrix, passes);
            return new Recipe(name, dataset, matrix, passes) { Seed = seed, Threads = threads, Output = output, Source = file };
        }
    }

    private static RecipeDataset ReadDataset(string file, JsonElement? element, RecipeOptionReader root)
    {
        if (element is null) throw root.ErrorAt("dataset", "is required, e.g. { \"name\": \"embedded\" }");
        var r = new RecipeOptionReader(file, "dataset", element);
        string name = r.String("name", null) ?? throw r.ErrorAt("name", $"is required ({string.Join(", ", DatasetResolver.KnownNames)} or a folder)");
        string? path = r.String("path", null);
        int trainLimit = r.Get(RecipeDataset.TrainLimitOption);
        int testLimit = r.Get(RecipeDataset.TestLimitOption);
        r.RejectUnknown("dataset");
        bool known = DatasetResolver.CanonicalName(name) is not null;
        if (path is not null && !Directory.Exists(path))
            throw r.ErrorAt("path", $"'{path}' does not exist or is not a folder");
        if (!known && path is null && !Directory.Exists(name))
            throw r.ErrorAt("name", $"'{name}' is neither a known dataset ({string.Join(", ", DatasetResolver.KnownNames)}) nor an existing folder");
        if (!known && path is not null)
            throw r.ErrorAt("name", $"'{name}' is not a known dataset ({string.Join(", ", DatasetResolver.KnownNames)}); give a folder as the name alone, or a known name with a path");
        return new RecipeDataset(name, path, trainLimit, testLimit);
    }

    private static RecipeMatrix ReadMatrix(string file, JsonElement? element, RecipeOptionReader root)
    {
        if (element is null) throw root.ErrorAt("matrix", "is required, e.g. { \"architectures\": [\"mobilenet_v1\"], \"alphas\": [1.0], \"precisions\": [\"fp32\"] }");
        var r = new RecipeOptionReader(file, "matrix", element);
        var architectures = r.StringList("architectures") ?? throw r.ErrorAt("architectures", "is required");
        var alphas = r.DoubleList("alphas") ?? [1.0];
        var precisions = r.StringList("precisions") ?? ["fp32"];
        r.RejectUnknown("matrix");
        if (architectures.Count == 0) throw r.ErrorAt("architectures", "must list at least one architecture");
        if (alphas.Count == 0) throw r.ErrorAt("alphas", "must list at least one width multiplier");
        if (precisions.Count == 0) throw r.ErrorAt("precisions", "must list fp32 and/or int8");
        var normalized = new List<string>();
        for (int i = 0; i < architectures.Count; i++)
        {
            string a = architectures[i].Trim().ToLowerInvariant();
            if (!ModelFactory.Architectures.Contains(a))
                throw new RecipeException($"{file}: matrix.architectures[{i}] '{architectures[i]}' is not a known architecture (known: {string.Join(", ", ModelFactory.Architectures)})");
            normalized.Add(a);
        }
        for (int i = 0; i < alphas.Count; i++)
        {
            if (!(alphas[i] >= Pruning.MobileNetWidthPruner.MinAlpha && alphas[i] <= 1))
                throw new RecipeException(string.Create(CultureInfo.InvariantCulture,
                    $"{file}: matrix.alphas[{i}] {alphas[i]} is out of range (a MobileNet width multiplier in [{Pruning.MobileNetWidthPruner.MinAlpha}, 1])"));
        }
        if (alphas.Any(a => a < 1) && !normalized.Any(PrunePass.IsMobileNet))
            throw r.ErrorAt("alphas", "lists a width multiplier below 1 but no architecture is mobilenet_v1 (only MobileNet has one)");
        var precisionList = new List<Precision>();
        for (int i = 0; i < precisions.Count; i++)
        {
            if (!KebabCase.TryParse(precisions[i], out Precision p) || !Precisions.Contains(p))
                throw new RecipeException($"{file}: matrix.precisions[{i}] '{precisions[i]}' is not one of {string.Join(", ", Precisions.Select(KebabCase.Name))}");
            precisionList.Add(p);
        }
        return new RecipeMatrix(normalized, alphas, precisionList);
    }

    private static List<IPass> ReadPasses(string file, JsonElement array, PassRegistry registry)
    {
        var passes = new List<IPass>();
        ArtefactKind? kind = null;
        int i = 0;
        foreach (var entry in array.EnumerateArray())
        {
            string at = $"passes[{i}]";
            if (entry.ValueKind != JsonValueKind.Object)
                throw new RecipeException($"{file}: {at} must be an object like {{ \"name\": \"train\", \"options\": {{ ... }} }}");
            var r = new RecipeOptionReader(file, at, entry);
            string name = r.String("name", null) ?? throw r.ErrorAt("name", $"is required (known: {string.Join(", ", registry.Names)})");
            var options = r.Object("options");
            r.RejectUnknown("a pass entry");
            if (!registry.TryGet(name, out var factory))
                throw r.ErrorAt("name", $"'{name}' is not a known pass (known: {string.Join(", ", registry.Names)})");
            var pass = factory(new RecipeOptionReader(file, $"{at}.options", options));
            if (pass.CheckInput(kind) is { } problem)
                throw r.ErrorAt("name", $"'{name}' {problem}; here it gets {(kind is null ? "nothing (it is first)" : kind == ArtefactKind.Checkpoint ? "a checkpoint" : "an ONNX bundle")}");
            kind = pass.OutputKind(kind);
            passes.Add(pass);
            i++;
        }
        if (passes.Count == 0)
            throw new RecipeException($"{file}: passes must list at least one pass");
        return passes;
    }

    private static void CheckMatrixAgainstPasses(string file, RecipeMatrix matrix, IReadOnlyList<IPass> passes)
    {
        bool prunes = passes.Any(p => p is PrunePass);
        bool trainsEachAlpha = passes.OfType<TrainPass>().Any(t => t.Options.AlphaFromMatrix);
        if (matrix.Alphas.Any(a => a < 1) && !prunes && !trainsEachAlpha)
            throw new RecipeException($"{file}: matrix.alphas lists a width multiplier below 1 but no pass produces it (add a 'prune' pass, or set alphaFromMatrix in the train pass)");
        if (matrix.Precisions.Contains(Precision.Int8) && !passes.Any(p => p is QuantizePass))
            throw new RecipeException($"{file}: matrix.precisions lists int8 but the passes have no 'quantize' pass");
    }
}
