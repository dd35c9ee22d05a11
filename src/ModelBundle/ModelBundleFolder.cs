using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;
using Microsoft.ML.OnnxRuntime;

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

    /// <summary>
    /// Writes a bundle: copies <paramref name="onnxFile"/> to <c>folder/model.onnx</c> and writes the
    /// manifest with hash and size filled in. Files are written to temporary names and renamed.
    /// </summary>
    public static BundleManifest Write(string folder, string onnxFile, BundleManifest manifest)
    {
        Directory.CreateDirectory(folder);
        string modelPath = Path.Combine(folder, manifest.ModelFile);
        if (!string.Equals(Path.GetFullPath(onnxFile), Path.GetFullPath(modelPath), StringComparison.Ordinal))
        {
            string tmpModel = modelPath + ".tmp";
            File.Copy(onnxFile, tmpModel, overwrite: true);
            File.Move(tmpModel, modelPath, overwrite: true);
        }
        var complete = manifest with
        {
            SchemaVersion = BundleManifest.CurrentSchemaVersion,
            Sha256 = ComputeSha256(modelPath),
            FileSizeBytes = new FileInfo(modelPath).Length,
        };
        string manifestPath = Path.Combine(folder, ManifestFileName);
        string tmp = manifestPath + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(complete, JsonOptions));
        File.Move(tmp, manifestPath, overwrite: true);
        return complete;
    }

    /// <summary>
    /// Reads and validates a bundle folder; throws <see cref="BundleException"/> naming the problem.
    /// With <paramref name="checkGraph"/> false the caller promises to call <see cref="CheckAgainstSession"/>
    /// on the session it creates anyway, so the model is not loaded twice.
    /// </summary>
    public static LoadedBundle Read(string folder, bool checkGraph = true)
    {
        string manifestPath = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new BundleException($"{manifestPath}: manifest not found (a bundle folder holds {ManifestFileName} and the model)");
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BundleManifest>(File.ReadAllText(manifestPath), JsonOptions)
                ?? throw new BundleException($"{manifestPath}: empty manifest");
        }
        catch (UnknownEnumNameException e)
        {
            throw new BundleException($"{manifestPath}: {e.Path?.TrimStart('$', '.')} {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new BundleException($"{manifestPath}: invalid JSON at line {e.LineNumber}, byte {e.BytePositionInLine}: {e.Message}", e);
        }
        Validate(manifest, manifestPath);
        string modelPath = Path.Combine(folder, manifest.ModelFile);
        if (!File.Exists(modelPath))
            throw new BundleException($"{modelPath}: model file named by {manifestPath} (modelFile) not found");
        string actual = ComputeSha256(modelPath);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new BundleException($"{modelPath}: SHA-256 is {actual} but {manifestPath} (sha256) says {manifest.Sha256}; the model was changed or corrupted");
        if (checkGraph) CheckAgainstGraph(manifest, modelPath);
        return new LoadedBundle(Path.GetFullPath(folder), modelPath, manifest);
    }

    /// <summary>Checks the manifest's own fields; throws naming the first bad one.</summary>
    public static void Validate(BundleManifest m, string manifestPath)
    {
        if (m.SchemaVersion is < BundleManifest.OldestReadableSchemaVersion or > BundleManifest.CurrentSchemaVersion)
            throw new BundleException($"{manifestPath}: schemaVersion {m.SchemaVersion} is not supported (expected {BundleManifest.OldestReadableSchemaVersion} to {BundleManifest.CurrentSchemaVersion})");
        if (m.InputShape.Count != 4)
            throw new BundleException($"{manifestPath}: inputShape must have 4 dimensions [batch, channels, height, width], got [{string.Join(", ", m.InputShape)}]");
        if (m.Channels is not (1 or 3))
            throw new BundleException($"{manifestPath}: inputShape channels must be 1 or 3, got {m.Channels}");
        if (m.Height <= 0 || m.Width <= 0)
            throw new BundleException($"{manifestPath}: inputShape height and width must be positive, got {m.Height}x{m.Width}");
        if (!string.Equals(m.Layout, "NCHW", StringComparison.Ordinal))
            throw new BundleException($"{manifestPath}: layout '{m.Layout}' is not supported (expected NCHW)");
        if (!Enum.IsDefined(m.ChannelOrder))
            throw new BundleException($"{manifestPath}: channelOrder {KebabCase.UnknownMessage<ChannelOrder>(m.ChannelOrder.ToString())}");
        if ((m.ChannelOrder == ChannelOrder.Gray) != (m.Channels == 1))
            throw new BundleException($"{manifestPath}: channelOrder '{KebabCase.Name(m.ChannelOrder)}' does not fit {m.Channels} input channel(s)");
        if (!Enum.IsDefined(m.ResizePolicy))
            throw new BundleException($"{manifestPath}: resizePolicy {KebabCase.UnknownMessage<ResizePolicy>(m.ResizePolicy.ToString())}");
        if (m.Mean.Count != m.Channels || m.Std.Count != m.Channels)
            throw new BundleException($"{manifestPath}: mean and std need {m.Channels} value(s) each, got {m.Mean.Count} and {m.Std.Count}");
        if (m.Std.Any(s => s <= 0))
            throw new BundleException($"{manifestPath}: std values must be positive");
        if (m.Labels.Count == 0)
            throw new BundleException($"{manifestPath}: labels is empty");
        if (!Enum.IsDefined(m.Precision))
            throw new BundleException($"{manifestPath}: precision {KebabCase.UnknownMessage<Precision>(m.Precision.ToString())}");
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string ComputeSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

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
        int[] dims = input.Dimensions;
        if (dims.Length != 4)
            throw new BundleException($"{modelPath}: input '{m.InputName}' has rank {dims.Length}, manifest inputShape has 4");
        for (int i = 1; i < 4; i++)
        {
            if (dims[i] > 0 && dims[i] != m.InputShape[i])
                throw new BundleException($"{modelPath}: input '{m.InputName}' dimension {i} is {dims[i]} in the graph but {m.InputShape[i]} in the manifest (inputShape)");
        }
        int[] outDims = output.Dimensions;
        if (outDims.Length >= 2 && outDims[^1] > 0 && outDims[^1] != m.Labels.Count)
            throw new BundleException($"{modelPath}: output '{m.OutputName}' has {outDims[^1]} classes but the manifest has {m.Labels.Count} labels");
    }
}
