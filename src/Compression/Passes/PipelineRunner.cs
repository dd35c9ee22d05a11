using System.Diagnostics;
using System.Globalization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Runs a validated <see cref="Recipe"/>: for every matrix cell, the passes in order, each in its own
/// folder <c>runs/&lt;name&gt;/&lt;nn&gt;-&lt;pass&gt;/&lt;variant&gt;/</c>. A pass run is shared by all
/// cells with the same input and <see cref="IPass.VariantKey"/> (alpha 1.0 is trained once and pruned
/// to each alpha; each model is exported once and quantized once). A pass that does not apply to a
/// cell (prune at the source alpha, quantize for fp32) hands its input through. Finally writes
/// <c>results.md</c>, <c>results.json</c> and <c>report.html</c>.
/// </summary>
public sealed class PipelineRunner
{
    private readonly Recipe _recipe;
    private readonly IDatasetSource _data;

    /// <summary>Creates a runner; <paramref name="data"/> defaults to the recipe's dataset, loaded on first use.</summary>
    public PipelineRunner(Recipe recipe, IDatasetSource? data = null)
    {
        _recipe = recipe ?? throw new ArgumentNullException(nameof(recipe));
        _data = data ?? new RecipeDatasetSource(recipe.Dataset);
    }

    /// <summary>Plain progress lines (null = silent).</summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>
    /// Replace an earlier run in the same folder (only one the toolkit marked as its own; see <see cref="RunFolder"/>).
    /// Without it an existing run folder is refused.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Runs every cell and writes the reports into a new run folder (<see cref="RunFolder.Create"/>): a folder the
    /// toolkit did not make is never touched; an earlier marked run is replaced only with <see cref="Overwrite"/>.
    /// </summary>
    /// <exception cref="RecipeException">The run folder may not be created or replaced.</exception>
    public PipelineResults Run(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        string runFolder = RunFolder.Create(_recipe, Overwrite);
        Report($"pipeline {_recipe.Name}: {_recipe.Passes.Count} passes over {_recipe.Matrix.Cells().Count} cells -> {runFolder}");
        Report($"data: {_data.Description}; {_data.Train.Count} train / {_data.Test.Count} test images");

        var memo = new Dictionary<(int, string, string), Artefact>();
        var steps = new List<PipelineStep>();
        var rows = new List<ResultRow>();
        foreach (var cell in _recipe.Matrix.Cells())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Artefact? current = null;
            for (int i = 0; i < _recipe.Passes.Count; i++)
            {
                var pass = _recipe.Passes[i];
                if (!pass.AppliesTo(current, cell)) continue;
                string key = pass.VariantKey(cell);
                var memoKey = (i, current?.Folder ?? "", key);
                if (memo.TryGetValue(memoKey, out var done))
                {
                    current = done;
                    continue;
                }
                string folder = Path.Combine(runFolder, string.Create(CultureInfo.InvariantCulture, $"{i + 1:00}-{pass.Name}"), key);
                Directory.CreateDirectory(folder);
                Report($"[{i + 1}/{_recipe.Passes.Count}] {pass.Name} {key}");
                var context = new PassContext(_data, cell, Progress, cancellationToken) { Seed = _recipe.Seed, Threads = _recipe.Threads };
                var passClock = Stopwatch.StartNew();
                current = pass.Run(current, folder, context);
                steps.Add(new PipelineStep(i, pass.Name, key, folder, passClock.Elapsed.TotalSeconds));
                memo[memoKey] = current;
            }
            if (current is not null) rows.Add(Row(current));
        }
        var results = new PipelineResults(_recipe.Name, runFolder, _data.Description, rows, steps, clock.Elapsed.TotalSeconds);
        ResultsReport.WriteAll(results);
        Report($"pipeline {_recipe.Name}: done in {clock.Elapsed.TotalSeconds:F0} s; report {results.HtmlPath}");
        return results;
    }

    private void Report(string line) => Progress?.Report(line);

    /// <summary>The results row of a finished artefact: sizes from its bundle manifest or checkpoint.</summary>
    public static ResultRow Row(Artefact a)
    {
        ArgumentNullException.ThrowIfNull(a);
        long parameters, macs, size;
        if (a.Kind == ArtefactKind.OnnxBundle)
        {
            var bundle = ModelBundleFolder.Read(a.Folder);
            size = bundle.Manifest.FileSizeBytes;
            parameters = bundle.Manifest.Parameters ?? 0;
            macs = bundle.Manifest.Macs ?? 0;
            if ((parameters == 0 || macs == 0) && a.CheckpointFolder is not null)
                (parameters, macs) = Complexity(a.CheckpointFolder);
        }
        else
        {
            size = new FileInfo(Path.Combine(a.Folder, Checkpoint.ModelFile)).Length;
            (parameters, macs) = Complexity(a.Folder);
        }
        double? Get(string k) => a.Measurements.TryGetValue(k, out var v) ? v : null;
        return new ResultRow(a.Architecture, a.Alpha, a.Precision, parameters, macs, size,
            Get(MeasurementNames.Accuracy) ?? Get(MeasurementNames.TorchAccuracy),
            Get(MeasurementNames.LatencyP50Ms), Get(MeasurementNames.LatencyP99Ms), a.Folder)
        {
            Lineage = a.Lineage.Where(p => p is not (EvaluatePass.PassName or BenchPass.PassName)).ToArray(),
            PrunedAccuracy = PrunedAccuracy(a),
        };
    }

    private static double? PrunedAccuracy(Artefact a)
    {
        for (var x = a; x is not null; x = x.Parent)
        {
            if (x.Measurements.TryGetValue(MeasurementNames.PrunedAccuracy, out var v)) return v;
        }
        return null;
    }

    private static (long Parameters, long Macs) Complexity(string checkpointFolder)
    {
        var (spec, _) = Checkpoint.ReadSpec(checkpointFolder);
        using var model = ModelFactory.Create(spec);
        var r = ModelComplexity.Measure(model, spec.InputChannels, spec.InputSize, spec.InputSize);
        return (r.Parameters, r.Macs);
    }
}
