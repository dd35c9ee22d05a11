using System.Text.Json.Nodes;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.ModelBundle.Tests;

public sealed class ModelBundleFolderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bundle-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static BundleManifest Manifest(int channels = 1, int size = 4, int classes = 2) => new()
    {
        Architecture = "tiny",
        InputShape = [-1, channels, size, size],
        ChannelOrder = channels == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb,
        Mean = Enumerable.Repeat(0.5f, channels).ToArray(),
        Std = Enumerable.Repeat(0.25f, channels).ToArray(),
        Labels = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(),
        Parameters = 4,
    };

    /// <summary>Writes a bundle from <paramref name="model"/> bytes and returns its folder.</summary>
    private string WriteBundle(byte[] model, BundleManifest manifest)
    {
        string source = Path.Combine(dir, "source.onnx");
        File.WriteAllBytes(source, model);
        string folder = Path.Combine(dir, "bundle");
        ModelBundleFolder.Write(folder, source, manifest);
        return folder;
    }

    private static void EditManifest(string folder, Action<JsonObject> edit)
    {
        string path = Path.Combine(folder, ModelBundleFolder.ManifestFileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Written_bundle_reads_back_with_hash_and_size()
    {
        byte[] model = TinyOnnxModel.Create();
        string folder = WriteBundle(model, Manifest());

        var bundle = ModelBundleFolder.Read(folder);

        Assert.Equal(model.Length, bundle.Manifest.FileSizeBytes);
        Assert.Equal(64, bundle.Manifest.Sha256.Length);
        Assert.Equal(["c0", "c1"], bundle.Manifest.Labels);
        Assert.Equal(Path.Combine(Path.GetFullPath(folder), "model.onnx"), Path.GetFullPath(bundle.ModelPath));
    }

    [Fact]
    public void Changed_model_file_is_refused_by_its_hash()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest());
        // Same size, one byte changed: the hash finds it (a different size is refused before hashing).
        byte[] changed = File.ReadAllBytes(Path.Combine(folder, "model.onnx"));
        changed[^1] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), changed);

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("model.onnx", e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains("changed or corrupted", e.Message);
    }

    [Fact]
    public void Unknown_schema_version_is_refused()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest());
        EditManifest(folder, m => m["schemaVersion"] = 3);

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("manifest.json", e.Message);
        Assert.Contains("schemaVersion 3 is not supported (expected 1 to 2)", e.Message);
    }

    [Theory]
    [InlineData(8, "dimension 2 is 4 in the graph but 8 in the manifest")]
    public void Input_shape_that_differs_from_the_graph_is_refused(int manifestSize, string expected)
    {
        string folder = WriteBundle(TinyOnnxModel.Create(size: 4), Manifest(size: manifestSize));

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains(expected, e.Message);
        Assert.Contains("inputShape", e.Message);
    }

    [Fact]
    public void Channel_count_that_differs_from_the_graph_is_refused()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(channels: 1), Manifest(channels: 3));

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("dimension 1 is 1 in the graph but 3 in the manifest", e.Message);
    }

    [Fact]
    public void Label_count_that_differs_from_the_graph_output_is_refused()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(classes: 2), Manifest(classes: 3));

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("has 2 classes but the manifest has 3 labels", e.Message);
    }

    [Fact]
    public void Corrupt_onnx_file_is_refused_clearly()
    {
        // The hash matches (the manifest was written for these bytes) but they are not an ONNX model.
        string folder = WriteBundle("this is not an onnx model"u8.ToArray(), Manifest());

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("model.onnx", e.Message);
        Assert.Contains("ONNX Runtime cannot load the model", e.Message);
    }

    [Fact]
    public void Truncated_onnx_file_is_refused_clearly()
    {
        byte[] model = TinyOnnxModel.Create();
        string folder = WriteBundle(model[..(model.Length / 2)], Manifest());

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("ONNX Runtime cannot load the model", e.Message);
    }

    [Fact]
    public void Input_name_missing_from_the_graph_is_refused()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(inputName: "image"), Manifest());

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains("no input 'input' (inputName); it has image", e.Message);
    }

    [Fact]
    public void Missing_manifest_and_invalid_json_are_refused()
    {
        Assert.Contains("manifest not found", Assert.Throws<BundleException>(() => ModelBundleFolder.Read(dir)).Message);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{ \"schemaVersion\": ");
        Assert.Contains("invalid JSON", Assert.Throws<BundleException>(() => ModelBundleFolder.Read(dir)).Message);
    }

    public static TheoryData<string, string> InvalidFields => new()
    {
        { "inputShape", "inputShape must have 4 dimensions" },
        { "layout", "layout 'NHWC' is not supported" },
        { "channelOrder", "channelOrder 'rgb' does not fit 1 input channel(s)" },
        { "resizePolicy", "resizePolicy 'zoom' is not one of" },
        { "mean", "mean needs 1 value(s), one per input channel, got 2" },
        { "std", "std[0] 0 must be a finite number in [0.001, 1000]" },
        { "labels", "labels is empty" },
        { "precision", "precision 'int4' is not one of" },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public void Invalid_manifest_field_is_refused_naming_it(string field, string expected)
    {
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest());
        EditManifest(folder, m => m[field] = field switch
        {
            "inputShape" => new JsonArray(1, 4, 4),
            "layout" => "NHWC",
            "channelOrder" => "RGB",
            "resizePolicy" => "zoom",
            "mean" => new JsonArray(0.5, 0.5),
            "std" => new JsonArray(0),
            "labels" => new JsonArray(),
            _ => "int4",
        });

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Schema_1_manifest_with_upper_case_names_and_stretch_still_reads_as_written()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest());
        EditManifest(folder, m =>
        {
            m["schemaVersion"] = 1;
            m["channelOrder"] = "GRAY";
            m["resizePolicy"] = "stretch";
            m["precision"] = "fp32";
        });

        var manifest = ModelBundleFolder.Read(folder).Manifest;

        Assert.Equal(1, manifest.SchemaVersion);
        Assert.Equal(ChannelOrder.Gray, manifest.ChannelOrder);
        Assert.Equal(ResizePolicy.Stretch, manifest.ResizePolicy);
        Assert.Equal(Precision.Fp32, manifest.Precision);
    }

    [Fact]
    public void Manifest_that_omits_fields_with_a_default_reads_the_defaults()
    {
        // A hand-written or old manifest may leave out every field that has a default; the reader (source-generated
        // JSON) must give those defaults, not nulls or zeros.
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest());
        EditManifest(folder, m =>
        {
            foreach (string field in new[] { "schemaVersion", "modelFile", "architecture", "alpha", "precision", "inputName", "outputName",
                                              "layout", "resizePolicy", "provenance", "channelPlan", "accuracy", "parameters", "macs" })
                m.Remove(field);
        });

        var manifest = ModelBundleFolder.Read(folder).Manifest;

        Assert.Equal(BundleManifest.CurrentSchemaVersion, manifest.SchemaVersion);
        Assert.Equal("model.onnx", manifest.ModelFile);
        Assert.Equal("", manifest.Architecture);
        Assert.Equal(1.0, manifest.Alpha);
        Assert.Equal(Precision.Fp32, manifest.Precision);
        Assert.Equal("input", manifest.InputName);
        Assert.Equal("logits", manifest.OutputName);
        Assert.Equal("NCHW", manifest.Layout);
        Assert.Equal(ResizePolicy.CenterCrop, manifest.ResizePolicy);
        Assert.NotNull(manifest.Provenance);
        Assert.Empty(manifest.Provenance);
        Assert.Null(manifest.ChannelPlan);
        Assert.Null(manifest.Parameters);
        Assert.Equal(["c0", "c1"], manifest.Labels);
    }

    [Fact]
    public void Manifest_spells_enum_values_in_kebab_case()
    {
        string folder = WriteBundle(TinyOnnxModel.Create(), Manifest() with { ResizePolicy = ResizePolicy.CenterCrop, Precision = Precision.Int8 });

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ModelBundleFolder.ManifestFileName)))!.AsObject();

        Assert.Equal(BundleManifest.CurrentSchemaVersion, (int)json["schemaVersion"]!);
        Assert.Equal("gray", (string)json["channelOrder"]!);
        Assert.Equal("center-crop", (string)json["resizePolicy"]!);
        Assert.Equal("int8", (string)json["precision"]!);
        Assert.Equal(["stretch", "center-crop", "letterbox", "pad"], KebabCase.Names<ResizePolicy>());
    }
}
