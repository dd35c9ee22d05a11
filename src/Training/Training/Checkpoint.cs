using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeToolkit.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// A checkpoint folder: <c>model.bin</c> (TorchSharp weights), <c>spec.json</c> (the
/// <see cref="ModelSpec"/> plus a <c>metrics</c> object) and, when resumable, <c>state.json</c>
/// and <c>optimizer.bin</c>. Folders are written atomically: into a hidden temp folder that is then
/// renamed, so a process killed at any moment leaves the previous checkpoint loadable.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    /// <summary>Weights file name.</summary>
    public const string ModelFile = "model.bin";

    /// <summary>Spec (+ metrics) file name.</summary>
    public const string SpecFile = "spec.json";

    /// <summary>Resume state file name.</summary>
    public const string StateFile = "state.json";

    /// <summary>Optimiser state file name.</summary>
    public const string OptimizerFile = "optimizer.bin";

    /// <summary>JSON settings of <c>spec.json</c> and <c>state.json</c> (camelCase, indented; reading is case-insensitive).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private Checkpoint(string path, ModelSpec spec, Module<Tensor, Tensor> model, EpochMetrics? metrics, TrainingState? state)
    {
        Path = path;
        Spec = spec;
        Model = model;
        Metrics = metrics;
        State = state;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Path { get; }

    /// <summary>The spec the model was rebuilt from.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The model with the checkpoint's weights, in eval mode.</summary>
    public Module<Tensor, Tensor> Model { get; }

    /// <summary>Metrics stored with the checkpoint (null when none were saved).</summary>
    public EpochMetrics? Metrics { get; }

    /// <summary>Resume state (null for a weights-only checkpoint such as <c>best</c>).</summary>
    public TrainingState? State { get; }

    /// <summary>Path of <c>optimizer.bin</c> when the checkpoint has one, else null.</summary>
    public string? OptimizerStatePath
    {
        get
        {
            string file = System.IO.Path.Combine(Path, OptimizerFile);
            return File.Exists(file) ? file : null;
        }
    }

    /// <summary>
    /// Loads a checkpoint: rebuilds the model from <c>spec.json</c> (by default with
    /// <see cref="ModelFactory.Create"/>) and loads <c>model.bin</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A required file is missing (named in the message).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not match the spec (named in the message).</exception>
    public static Checkpoint Load(string path, Func<ModelSpec, Module<Tensor, Tensor>>? modelFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string folder = System.IO.Path.GetFullPath(path);
        Recover(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Checkpoint folder '{folder}' does not exist.");
        var (spec, metrics) = ReadSpec(folder);
        TrainingState? state = ReadState(folder);

        string modelPath = RequireFile(folder, ModelFile);
        Module<Tensor, Tensor> model;
        try
        {
            model = (modelFactory ?? ModelFactory.Create)(spec);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{System.IO.Path.Combine(folder, SpecFile)}: cannot build the model: {e.Message}", e);
        }
        try
        {
            model.load(modelPath);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException or FormatException or NotImplementedException)
        {
            model.Dispose();
            throw new InvalidDataException($"{modelPath}: cannot load the weights of {spec.Architecture}: {e.Message}", e);
        }
        model.eval();
        return new Checkpoint(folder, spec, model, metrics, state);
    }

    /// <summary>Reads <c>spec.json</c> (the model spec and the metrics stored beside it) without loading weights.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid spec.</exception>
    public static (ModelSpec Spec, EpochMetrics? Metrics) ReadSpec(string path)
    {
        string file = RequireFile(System.IO.Path.GetFullPath(path), SpecFile);
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(file)) as JsonObject
                ?? throw new InvalidDataException($"{file}: expected a JSON object.");
            var spec = node.Deserialize<ModelSpec>(JsonOptions)
                ?? throw new InvalidDataException($"{file}: expected a model spec.");
            if (string.IsNullOrWhiteSpace(spec.Architecture))
                throw new InvalidDataException($"{file}: 'architecture' is missing.");
            var metrics = node["metrics"]?.Deserialize<EpochMetrics>(JsonOptions);
            return (spec, metrics);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: invalid JSON ({e.Message})", e);
        }
    }

    /// <summary>Reads <c>state.json</c>, or null when the checkpoint has none.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt.</exception>
    public static TrainingState? ReadState(string path)
    {
        string file = System.IO.Path.Combine(System.IO.Path.GetFullPath(path), StateFile);
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(file), JsonOptions)
                ?? throw new InvalidDataException($"{file}: expected a training state object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: invalid JSON ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes a checkpoint folder atomically (temp folder + rename), replacing an existing one.
    /// Pass <paramref name="state"/> and <paramref name="optimizer"/> to make it resumable.
    /// </summary>
    public static void Save(string path, nn.Module model, ModelSpec spec, EpochMetrics? metrics,
        TrainingState? state = null, OptimizerHelper? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        string folder = System.IO.Path.GetFullPath(path);
        string parent = System.IO.Path.GetDirectoryName(folder)!;
        string name = System.IO.Path.GetFileName(folder);
        Directory.CreateDirectory(parent);
        Recover(folder);

        string temp = System.IO.Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            model.save(System.IO.Path.Combine(temp, ModelFile));
            var node = JsonSerializer.SerializeToNode(spec, JsonOptions)!.AsObject();
            if (metrics is not null) node["metrics"] = JsonSerializer.SerializeToNode(metrics, JsonOptions);
            File.WriteAllText(System.IO.Path.Combine(temp, SpecFile), node.ToJsonString(JsonOptions));
            if (state is not null)
                File.WriteAllText(System.IO.Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, JsonOptions));
            optimizer?.save_state_dict(System.IO.Path.Combine(temp, OptimizerFile));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (Directory.Exists(folder))
        {
            // Two renames; Recover() restores the old folder if we die between them.
            string old = System.IO.Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
            Directory.Move(folder, old);
            Directory.Move(temp, folder);
            TryDelete(old);
        }
        else
        {
            Directory.Move(temp, folder);
        }
    }

    /// <summary>
    /// Repairs what an interrupted <see cref="Save"/> can leave: restores the previous folder if the
    /// process died between the two renames, and deletes stale temp folders.
    /// </summary>
    public static void Recover(string path)
    {
        string folder = System.IO.Path.GetFullPath(path);
        string? parent = System.IO.Path.GetDirectoryName(folder);
        if (parent is null || !Directory.Exists(parent)) return;
        string name = System.IO.Path.GetFileName(folder);
        var olds = Directory.GetDirectories(parent, $".{name}.old-*").OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
        if (!Directory.Exists(folder) && olds.Count > 0)
        {
            Directory.Move(olds[0], folder);
            olds.RemoveAt(0);
        }
        foreach (var stale in olds.Concat(Directory.GetDirectories(parent, $".{name}.tmp-*")))
            TryDelete(stale);
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    private static string RequireFile(string folder, string fileName)
    {
        string file = System.IO.Path.Combine(folder, fileName);
        if (!File.Exists(file))
            throw new FileNotFoundException($"Checkpoint file '{file}' is missing.", file);
        return file;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
