using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeToolkit.ModelBundle;

/// <summary>
/// Reads and writes bundle folders (<c>model.onnx</c> + <c>manifest.json</c>). Reading validates the
/// schema version, the SHA-256 of the model and that the manifest's input matches the ONNX graph.
/// </summary>
public static class ModelBundleFolder
{
    /// <summary>The manifest's file name inside a bundle folder.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>JSON options used for manifests (camelCase, indented).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    // The manifest's source-generated metadata over a copy of JsonOptions (which stays usable for reflection).
    private static readonly ModelBundleJsonContext ManifestJson = new(new JsonSerializerOptions(JsonOptions));

    /// <summary>Largest model file read, hashed or served (ONNX's protobuf limit is 2 GiB).</summary>
    public const long MaxModelBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Largest manifest read.</summary>
    public const long MaxManifestBytes = 1024 * 1024;

    /// <summary>Largest input height or width a manifest may declare.</summary>
    public const int MaxInputSide = 8192;

    /// <summary>Largest input (channels x height x width values) a manifest may declare.</summary>
    public const long MaxInputValues = 3L * 4096 * 4096;

    /// <summary>Smallest std accepted: 1/255 (pixels in 0..255) is common, anything much smaller is a typo that blows values up.</summary>
    public const float MinStd = 1e-3f;

    /// <summary>Largest |mean| and std accepted.</summary>
    public const float MaxNormalisation = 1000f;

    /// <summary>
    /// A temporary path inside <paramref name="folder"/> for a model file that <see cref="Write"/> will publish:
    /// writers produce the model there so the previous bundle stays intact until the bundle is complete.
    /// </summary>
    public static string StagingPath(string folder, string modelFile = "model.onnx") =>
        AtomicFile.TempPath(Path.Combine(Path.GetFullPath(folder), modelFile));

    /// <summary>
    /// Writes a bundle into <paramref name="folder"/>: the model (<paramref name="onnxFile"/>, moved when it is a
    /// <see cref="StagingPath"/> of this folder, copied otherwise) and the manifest with hash and size filled in.
    /// Both are complete and flushed under temporary names before either is renamed into place (model, then
    /// manifest), so a writer killed while writing leaves the previous bundle intact. The manifest is validated
    /// first; <c>modelFile</c> must be a plain file name, so nothing is written outside <paramref name="folder"/>.
    /// </summary>
    public static BundleManifest Write(string folder, string onnxFile, BundleManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string folderPath = Path.GetFullPath(folder);
        string manifestPath = Path.Combine(folderPath, ManifestFileName);
        CheckModelFileName(manifest.ModelFile, manifestPath);
        Directory.CreateDirectory(folderPath);
        string modelPath = Path.Combine(folderPath, manifest.ModelFile);
        string source = Path.GetFullPath(onnxFile);
        bool staged = AtomicFile.IsTempName(Path.GetFileName(source))
            && string.Equals(Path.GetDirectoryName(source), Path.TrimEndingDirectorySeparator(folderPath), StringComparison.Ordinal);
        string? stagedModel = staged ? source : null;
        string? stagedManifest = null;
        try
        {
            stagedModel ??= AtomicFile.Stage(modelPath, s =>
            {
                using var input = BoundedFile.OpenRead(source, MaxModelBytes, out _);
                input.CopyTo(s);
            });
            var complete = manifest with
            {
                SchemaVersion = BundleManifest.CurrentSchemaVersion,
                Sha256 = BoundedFile.Sha256(stagedModel, MaxModelBytes),
                FileSizeBytes = new FileInfo(stagedModel).Length,
            };
            Validate(complete, manifestPath);
            stagedManifest = AtomicFile.Stage(manifestPath, s => JsonSerializer.Serialize(s, complete, ManifestJson.BundleManifest));
            // Two renames cannot be one atomic step, so the previous model is first renamed aside under a fixed
            // name: whenever a kill lands between the renames, the manifest on disk still matches a model in the
            // folder (the set-aside one), which Read falls back to and the next Write restores or removes.
            string previous = PreviousModelPath(folderPath, manifest.ModelFile);
            RecoverInterruptedWrite(modelPath, manifestPath, previous);
            bool setAside = File.Exists(manifestPath) && File.Exists(modelPath);
            if (setAside) File.Move(modelPath, previous, overwrite: true);
            AtomicFile.Publish(stagedModel, modelPath);
            stagedModel = null;
            AtomicFile.Publish(stagedManifest, manifestPath);
            stagedManifest = null;
            if (setAside) File.Delete(previous);
            return complete;
        }
        finally
        {
            if (stagedModel is not null) File.Delete(stagedModel);
            if (stagedManifest is not null) File.Delete(stagedManifest);
        }
    }

    /// <summary>
    /// Reads and validates a bundle folder; throws <see cref="BundleException"/> naming the file and field.
    /// The manifest and the model must be non-empty regular files within <see cref="MaxManifestBytes"/> and
    /// <see cref="MaxModelBytes"/>; the model must lie in the folder. With <paramref name="checkGraph"/> false the
    /// caller promises to call <see cref="CheckAgainstSession"/> on the session it creates anyway, so the model is not loaded twice.
    /// </summary>
    public static LoadedBundle Read(string folder, bool checkGraph = true)
    {
        string folderPath = Path.GetFullPath(folder);
        string manifestPath = Path.Combine(folderPath, ManifestFileName);
        if (BoundedFile.Problem(manifestPath, MaxManifestBytes, out _) is { } problem)
            throw new BundleException($"{manifestPath}: manifest {problem} (a bundle folder holds {ManifestFileName} and the model)");
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(BoundedFile.ReadAllBytes(manifestPath, MaxManifestBytes), ManifestJson.BundleManifest)
                ?? throw new BundleException($"{manifestPath}: the manifest is null, expected an object");
        }
        catch (UnknownEnumNameException e)
        {
            throw new BundleException($"{manifestPath}: {e.Path?.TrimStart('$', '.')} {e.Message}", e);
        }
        catch (JsonException e)
        {
            string field = e.Path is { Length: > 2 } p ? $" (field {p[2..]})" : "";
            throw new BundleException($"{manifestPath}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}{field}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new BundleException(e.Message, e);
        }
        Validate(manifest, manifestPath);
        string modelPath = ConfinedModelPath(folderPath, manifest.ModelFile, manifestPath);
        if (ModelProblem(modelPath, manifest, manifestPath) is { } modelProblem)
        {
            // A writer killed between its two renames (see Write) left the model this manifest describes set aside.
            string previous = PreviousModelPath(folderPath, manifest.ModelFile);
            if (new FileInfo(previous).LinkTarget is not null || ModelProblem(previous, manifest, manifestPath) is not null)
                throw new BundleException(modelProblem);
            modelPath = previous;
        }
        if (checkGraph) CheckAgainstGraph(manifest, modelPath);
        return new LoadedBundle(folderPath, modelPath, manifest);
    }

    /// <summary>
    /// Checks every field of a manifest (JSON <c>null</c> included, numbers finite and in range); throws
    /// <see cref="BundleException"/> naming <paramref name="manifestPath"/> and the first bad field.
    /// </summary>
    public static void Validate(BundleManifest m, string manifestPath)
    {
        ArgumentNullException.ThrowIfNull(m);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        BundleException Bad(string field, string what) => new($"{manifestPath}: {field} {what}");
        if (m.SchemaVersion is < BundleManifest.OldestReadableSchemaVersion or > BundleManifest.CurrentSchemaVersion)
            throw Bad("schemaVersion", $"{m.SchemaVersion} is not supported (expected {BundleManifest.OldestReadableSchemaVersion} to {BundleManifest.CurrentSchemaVersion})");
        CheckModelFileName(m.ModelFile, manifestPath);
        if (m.Sha256 is null || m.Sha256.Length == 0) throw Bad("sha256", "is missing (the lower-case hex SHA-256 of the model file)");
        if (m.Sha256.Length != 64 || !m.Sha256.All(char.IsAsciiHexDigit))
            throw Bad("sha256", $"'{m.Sha256}' is not 64 hex digits");
        if (m.FileSizeBytes < 0 || m.FileSizeBytes > MaxModelBytes)
            throw Bad("fileSizeBytes", string.Create(inv, $"{m.FileSizeBytes} must be 0 (unknown) or a size up to {MaxModelBytes}"));
        if (m.Architecture is null) throw Bad("architecture", "is null (a name, or \"\" when unknown)");
        if (!double.IsFinite(m.Alpha) || m.Alpha <= 0 || m.Alpha > 10)
            throw Bad("alpha", string.Create(inv, $"{m.Alpha} must be a finite number in (0, 10]"));
        if (!Enum.IsDefined(m.Precision))
            throw Bad("precision", KebabCase.UnknownMessage<Precision>(m.Precision.ToString()));
        if (string.IsNullOrEmpty(m.InputName)) throw Bad("inputName", "is null or empty (the ONNX input's name)");
        if (string.IsNullOrEmpty(m.OutputName)) throw Bad("outputName", "is null or empty (the ONNX output's name)");
        if (m.InputShape is null) throw Bad("inputShape", "is null (expected [batch, channels, height, width], e.g. [-1, 3, 32, 32])");
        if (m.InputShape.Count != 4)
            throw Bad("inputShape", $"must have 4 dimensions [batch, channels, height, width], got [{string.Join(", ", m.InputShape)}]");
        if (m.InputShape[0] is not (-1 or 1))
            throw Bad("inputShape", string.Create(inv, $"batch dimension {m.InputShape[0]} must be -1 (dynamic) or 1"));
        if (m.Channels is not (1 or 3))
            throw Bad("inputShape", string.Create(inv, $"channels must be 1 or 3, got {m.Channels}"));
        if (m.Height is <= 0 or > MaxInputSide || m.Width is <= 0 or > MaxInputSide)
            throw Bad("inputShape", string.Create(inv, $"height and width must be 1..{MaxInputSide}, got {m.Height}x{m.Width}"));
        if ((long)m.Channels * m.Height * m.Width > MaxInputValues)
            throw Bad("inputShape", string.Create(inv, $"{m.Channels}x{m.Height}x{m.Width} is more than {MaxInputValues} input values"));
        if (!string.Equals(m.Layout, "NCHW", StringComparison.Ordinal))
            throw Bad("layout", $"{Quote(m.Layout)} is not supported (expected NCHW)");
        if (!Enum.IsDefined(m.ChannelOrder))
            throw Bad("channelOrder", KebabCase.UnknownMessage<ChannelOrder>(m.ChannelOrder.ToString()));
        if ((m.ChannelOrder == ChannelOrder.Gray) != (m.Channels == 1))
            throw Bad("channelOrder", $"'{KebabCase.Name(m.ChannelOrder)}' does not fit {m.Channels} input channel(s)");
        if (!Enum.IsDefined(m.ResizePolicy))
            throw Bad("resizePolicy", KebabCase.UnknownMessage<ResizePolicy>(m.ResizePolicy.ToString()));
        CheckNormalisation(m.Mean, "mean", m.Channels, -MaxNormalisation, MaxNormalisation, Bad);
        CheckNormalisation(m.Std, "std", m.Channels, MinStd, MaxNormalisation, Bad);
        if (m.Labels is null) throw Bad("labels", "is null (one name per output class)");
        if (m.Labels.Count == 0) throw Bad("labels", "is empty (one name per output class)");
        for (int i = 0; i < m.Labels.Count; i++)
        {
            if (string.IsNullOrEmpty(m.Labels[i])) throw Bad(string.Create(inv, $"labels[{i}]"), "is null or empty");
        }
        if (m.Accuracy is { } a && (!double.IsFinite(a) || a < 0 || a > 1))
            throw Bad("accuracy", string.Create(inv, $"{a} must be null or a fraction in [0, 1]"));
        if (m.Parameters < 0) throw Bad("parameters", string.Create(inv, $"{m.Parameters} must be null or >= 0"));
        if (m.Macs < 0) throw Bad("macs", string.Create(inv, $"{m.Macs} must be null or >= 0"));
        if (m.Provenance is null) throw Bad("provenance", "is null (an object of strings, or leave it out)");
        foreach (var (key, value) in m.Provenance)
        {
            if (value is null) throw Bad($"provenance.{key}", "is null (provenance values are strings)");
        }
    }

    /// <summary>
    /// Checks that <paramref name="modelFile"/> is a plain file name (no folder separators, not <c>.</c> or <c>..</c>):
    /// the model always lies in the bundle folder.
    /// </summary>
    public static void CheckModelFileName(string? modelFile, string manifestPath)
    {
        if (string.IsNullOrEmpty(modelFile))
            throw new BundleException($"{manifestPath}: modelFile is null or empty (the model's file name in the bundle folder, e.g. model.onnx)");
        if (modelFile is "." or ".." || modelFile.IndexOfAny(['/', '\\', '\0']) >= 0 || modelFile.Trim().Length == 0)
            throw new BundleException($"{manifestPath}: modelFile '{modelFile}' must be a plain file name inside the bundle folder (no '/', no '..', no absolute path)");
        if (AtomicFile.IsTempName(modelFile))
            throw new BundleException($"{manifestPath}: modelFile '{modelFile}' looks like a temporary file of an interrupted write");
    }

    /// <summary>
    /// The model's path in <paramref name="folder"/>; a symbolic link is followed only when it ends in the same folder
    /// (a link leaving the folder is refused).
    /// </summary>
    /// <summary>
    /// Where <see cref="Write"/> sets the previous model aside while it renames the new bundle into place
    /// (hidden, beside the model: <c>.model.onnx.previous</c>); it exists only while a write is being committed
    /// or after a writer died in that step.
    /// </summary>
    public static string PreviousModelPath(string folder, string modelFile) =>
        Path.Combine(Path.GetFullPath(folder), $".{modelFile}.previous");

    /// <summary>Why <paramref name="modelPath"/> is not the model <paramref name="manifest"/> describes, or null when it is.</summary>
    private static string? ModelProblem(string modelPath, BundleManifest manifest, string manifestPath)
    {
        if (BoundedFile.Problem(modelPath, MaxModelBytes, out long length) is { } problem)
            return $"{modelPath}: model file named by {manifestPath} (modelFile) {problem}";
        if (manifest.FileSizeBytes > 0 && manifest.FileSizeBytes != length)
            return $"{modelPath}: is {length} bytes but {manifestPath} (fileSizeBytes) says {manifest.FileSizeBytes}; the model was changed or is incomplete";
        string actual;
        try
        {
            actual = BoundedFile.Sha256(modelPath, MaxModelBytes);
        }
        catch (IOException e)
        {
            return e.Message;
        }
        return string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase) ? null
            : $"{modelPath}: SHA-256 is {actual} but {manifestPath} (sha256) says {manifest.Sha256}; the model was changed or corrupted";
    }

    /// <summary>
    /// Finishes what a writer killed between its renames left: when the manifest on disk matches the set-aside model
    /// and not the model in place, the set-aside model is put back; otherwise the set-aside file is stale and removed.
    /// </summary>
    private static void RecoverInterruptedWrite(string modelPath, string manifestPath, string previous)
    {
        if (!File.Exists(previous) && new FileInfo(previous).LinkTarget is null) return;
        BundleManifest? onDisk = null;
        try
        {
            if (BoundedFile.Problem(manifestPath, MaxManifestBytes, out _) is null)
                onDisk = JsonSerializer.Deserialize(BoundedFile.ReadAllBytes(manifestPath, MaxManifestBytes), ManifestJson.BundleManifest);
        }
        catch (Exception e) when (e is JsonException or IOException or UnknownEnumNameException)
        {
            onDisk = null; // an unreadable manifest describes nothing to restore
        }
        bool restore = onDisk?.Sha256 is not null && new FileInfo(previous).LinkTarget is null
            && ModelProblem(previous, onDisk, manifestPath) is null && ModelProblem(modelPath, onDisk, manifestPath) is not null;
        if (restore) File.Move(previous, modelPath, overwrite: true);
        else File.Delete(previous);
    }

    private static string ConfinedModelPath(string folder, string modelFile, string manifestPath)
    {
        string path = Path.Combine(folder, modelFile);
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return path;
        FileSystemInfo? target;
        try
        {
            target = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw new BundleException($"{path}: modelFile in {manifestPath} is a symbolic link that cannot be resolved: {e.Message}", e);
        }
        string? targetFolder = target is null ? null : Path.GetDirectoryName(target.FullName);
        if (!string.Equals(targetFolder, Path.TrimEndingDirectorySeparator(folder), StringComparison.Ordinal))
            throw new BundleException($"{path}: modelFile in {manifestPath} is a symbolic link to {target?.FullName ?? info.LinkTarget}, outside the bundle folder; copy the model into the folder");
        return path;
    }

    private static void CheckNormalisation(IReadOnlyList<float>? values, string field, int channels, float min, float max, Func<string, string, BundleException> bad)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (values is null) throw bad(field, string.Create(inv, $"is null (expected {channels} value(s), one per channel)"));
        if (values.Count != channels) throw bad(field, string.Create(inv, $"needs {channels} value(s), one per input channel, got {values.Count}"));
        for (int i = 0; i < values.Count; i++)
        {
            if (!float.IsFinite(values[i]) || values[i] < min || values[i] > max)
                throw bad(string.Create(inv, $"{field}[{i}]"), string.Create(inv, $"{values[i]} must be a finite number in [{min}, {max}]"));
        }
    }

    private static string Quote(string? s) => s is null ? "null" : $"'{s}'";

    /// <summary>Lower-case hex SHA-256 of a file of at most <see cref="MaxModelBytes"/>, reading exactly its size.</summary>
    public static string ComputeSha256(string path) => BoundedFile.Sha256(path, MaxModelBytes);

    private static void CheckAgainstGraph(BundleManifest m, string modelPath)
    {
        InferenceSession session;
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new BundleException($"{modelPath}: ONNX Runtime cannot load the model: {e.Message}", e);
        }
        using (session) CheckAgainstSession(m, session, modelPath);
    }

    /// <summary>Checks that the manifest's input name, shape and label count match a loaded session's graph.</summary>
    public static void CheckAgainstSession(BundleManifest m, InferenceSession session, string modelPath)
    {
        if (!session.InputMetadata.TryGetValue(m.InputName, out var input))
            throw new BundleException($"{modelPath}: the graph has no input '{m.InputName}' (inputName); it has {string.Join(", ", session.InputMetadata.Keys)}");
        if (!session.OutputMetadata.TryGetValue(m.OutputName, out var output))
            throw new BundleException($"{modelPath}: the graph has no output '{m.OutputName}' (outputName); it has {string.Join(", ", session.OutputMetadata.Keys)}");
        if (session.InputMetadata.Count != 1)
            throw new BundleException($"{modelPath}: the graph has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); a bundle's model takes exactly one image input");
        if (input.ElementDataType != TensorElementType.Float)
            throw new BundleException($"{modelPath}: input '{m.InputName}' is {input.ElementDataType}; a bundle's model takes a float image tensor");
        if (output.ElementDataType != TensorElementType.Float)
            throw new BundleException($"{modelPath}: output '{m.OutputName}' is {output.ElementDataType}; a bundle's model returns float logits");
        int[] dims = input.Dimensions;
        if (dims.Length != 4)
            throw new BundleException($"{modelPath}: input '{m.InputName}' has rank {dims.Length}, manifest inputShape has 4");
        for (int i = 1; i < 4; i++)
        {
            if (dims[i] > 0 && dims[i] != m.InputShape[i])
                throw new BundleException($"{modelPath}: input '{m.InputName}' dimension {i} is {dims[i]} in the graph but {m.InputShape[i]} in the manifest (inputShape)");
        }
        int[] outDims = output.Dimensions;
        if (outDims.Length != 2)
            throw new BundleException($"{modelPath}: output '{m.OutputName}' has rank {outDims.Length}; a bundle's model returns [batch, classes] logits");
        if (outDims[^1] > 0 && outDims[^1] != m.Labels.Count)
            throw new BundleException($"{modelPath}: output '{m.OutputName}' has {outDims[^1]} classes but the manifest has {m.Labels.Count} labels");
    }
}
