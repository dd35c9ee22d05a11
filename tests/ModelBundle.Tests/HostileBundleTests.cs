using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.ModelBundle.Tests;

/// <summary>
/// Bundles written by a hostile but honest user: every manifest field null, missing or out of range, model
/// files that leave the folder or are not regular files, and writers interrupted mid-write.
/// </summary>
public sealed class HostileBundleTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bundle-hostile-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static BundleManifest Manifest() => new()
    {
        Architecture = "tiny",
        InputShape = [-1, 1, 4, 4],
        ChannelOrder = ChannelOrder.Gray,
        Mean = [0.5f],
        Std = [0.25f],
        Labels = ["c0", "c1"],
        Sha256 = new string('a', 64),
    };

    private string WriteBundle(string name = "bundle", byte[]? model = null)
    {
        string source = Path.Combine(dir, $"{name}-source.onnx");
        File.WriteAllBytes(source, model ?? TinyOnnxModel.Create());
        string folder = Path.Combine(dir, name);
        ModelBundleFolder.Write(folder, source, Manifest());
        File.Delete(source);
        return folder;
    }

    private static void EditManifest(string folder, Action<JsonObject> edit)
    {
        string path = Path.Combine(folder, ModelBundleFolder.ManifestFileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    private static string Refusal(string folder) => Assert.Throws<BundleException>(() => ModelBundleFolder.Read(folder)).Message;

    public static TheoryData<string> NullableFields => new()
    {
        "modelFile", "sha256", "architecture", "precision", "inputName", "outputName", "inputShape",
        "layout", "channelOrder", "resizePolicy", "mean", "std", "labels", "provenance",
    };

    [Theory]
    [MemberData(nameof(NullableFields))]
    public void Null_field_is_refused_naming_file_and_field(string field)
    {
        string folder = WriteBundle();
        EditManifest(folder, m => m[field] = null);

        string message = Refusal(folder);

        Assert.Contains("manifest.json", message);
        Assert.Contains(field, message);
        Assert.DoesNotContain("NullReference", message);
    }

    public static TheoryData<string, string> MissingFields => new()
    {
        { "sha256", "sha256 is missing" },
        { "inputShape", "inputShape must have 4 dimensions" },
        { "mean", "mean needs 1 value(s)" },
        { "std", "std needs 1 value(s)" },
        { "labels", "labels is empty" },
    };

    [Theory]
    [MemberData(nameof(MissingFields))]
    public void Missing_field_is_refused_naming_it(string field, string expected)
    {
        string folder = WriteBundle();
        EditManifest(folder, m => m.Remove(field));

        Assert.Contains(expected, Refusal(folder));
    }

    public static TheoryData<string, string, string> OutOfRangeFields => new()
    {
        { "inputShape", "[-1, 1, 65536, 65536]", "inputShape height and width must be 1..8192, got 65536x65536" },
        { "inputShape", "[-1, 3, 8192, 8192]", "more than 50331648 input values" },
        { "inputShape", "[8, 1, 4, 4]", "inputShape batch dimension 8 must be -1 (dynamic) or 1" },
        { "inputShape", "[-1, 1, 0, 4]", "inputShape height and width must be 1..8192, got 0x4" },
        { "std", "[1e-9]", "std[0] 1E-09 must be a finite number in [0.001, 1000]" },
        { "std", "[3.4e38]", "std[0] 3.4E+38 must be a finite number" },
        { "mean", "[1e9]", "mean[0] 1E+09 must be a finite number in [-1000, 1000]" },
        { "alpha", "0", "alpha 0 must be a finite number in (0, 10]" },
        { "accuracy", "1.5", "accuracy 1.5 must be null or a fraction in [0, 1]" },
        { "parameters", "-1", "parameters -1 must be null or >= 0" },
        { "fileSizeBytes", "-5", "fileSizeBytes -5 must be 0 (unknown)" },
        { "labels", "[\"a\", null]", "labels[1] is null or empty" },
        { "labels", "[\"a\", \"\"]", "labels[1] is null or empty" },
        { "sha256", "\"abc\"", "sha256 'abc' is not 64 hex digits" },
        { "provenance", "{\"tool\": null}", "provenance.tool is null" },
        { "labels", "5", "invalid JSON at line 1" },
        { "inputShape", "[-1, 1, 4, 4.5]", "(field inputShape" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeFields))]
    public void Out_of_range_value_is_refused_naming_the_field(string field, string json, string expected)
    {
        string folder = WriteBundle();
        EditManifest(folder, m => m[field] = JsonNode.Parse(json));

        string message = Refusal(folder);

        Assert.Contains(expected, message);
        Assert.Contains("manifest.json", message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_mean_or_std_is_refused(float value)
    {
        var mean = Assert.Throws<BundleException>(() => ModelBundleFolder.Validate(Manifest() with { Mean = [value] }, "m.json"));
        var std = Assert.Throws<BundleException>(() => ModelBundleFolder.Validate(Manifest() with { Std = [value] }, "m.json"));

        Assert.Contains("m.json: mean[0]", mean.Message);
        Assert.Contains("must be a finite number", mean.Message);
        Assert.Contains("m.json: std[0]", std.Message);
    }

    [Fact]
    public void Manifest_that_is_json_null_is_refused()
    {
        string folder = WriteBundle();
        File.WriteAllText(Path.Combine(folder, "manifest.json"), "null");

        Assert.Contains("the manifest is null", Refusal(folder));
    }

    public static TheoryData<string> EscapingModelFiles => new()
    {
        "../outside.onnx", "/etc/passwd", "sub/model.onnx", "..", ".", "", " ", "a\\\\b.onnx", "./model.onnx",
    };

    [Theory]
    [MemberData(nameof(EscapingModelFiles))]
    public void Model_file_that_is_not_a_plain_name_is_refused_before_it_is_read(string modelFile)
    {
        string folder = WriteBundle();
        File.WriteAllBytes(Path.Combine(dir, "outside.onnx"), TinyOnnxModel.Create());
        EditManifest(folder, m => m["modelFile"] = modelFile);

        string message = Refusal(folder);

        Assert.Contains("modelFile", message);
        Assert.DoesNotContain("SHA-256 is", message); // nothing outside the folder is read or hashed
    }

    [Fact]
    public void Symbolic_link_leaving_the_folder_is_refused_and_one_inside_is_followed()
    {
        string folder = WriteBundle();
        string outside = Path.Combine(dir, "outside.onnx");
        File.Move(Path.Combine(folder, "model.onnx"), outside);
        File.CreateSymbolicLink(Path.Combine(folder, "model.onnx"), outside);

        Assert.Contains("outside the bundle folder", Refusal(folder));

        File.Delete(Path.Combine(folder, "model.onnx"));
        File.Move(outside, Path.Combine(folder, "real.onnx"));
        File.CreateSymbolicLink(Path.Combine(folder, "model.onnx"), "real.onnx");
        Assert.Equal(2, ModelBundleFolder.Read(folder).Manifest.Labels.Count);
    }

    [Fact]
    public void Symbolic_link_to_dev_zero_is_refused_without_reading_it()
    {
        string folder = WriteBundle();
        File.Delete(Path.Combine(folder, "model.onnx"));
        File.CreateSymbolicLink(Path.Combine(folder, "model.onnx"), "/dev/zero");

        var clock = Stopwatch.StartNew();
        string message = Refusal(folder);

        Assert.Contains("outside the bundle folder", message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "refused without reading an endless file");
    }

    [Fact]
    public void Fifo_folder_and_empty_file_as_model_are_refused_without_blocking()
    {
        string folder = WriteBundle();
        string model = Path.Combine(folder, "model.onnx");
        File.Delete(model);
        MakeFifo(model);
        Assert.Contains("not a regular file", Refusal(folder));

        File.Delete(model);
        Directory.CreateDirectory(model);
        Assert.Contains("is a folder", Refusal(folder));

        Directory.Delete(model);
        File.WriteAllBytes(model, []);
        Assert.Contains("is empty or not a regular file", Refusal(folder));
    }

    [Fact]
    public void Fifo_or_oversized_manifest_is_refused_without_blocking()
    {
        string folder = WriteBundle();
        string manifest = Path.Combine(folder, "manifest.json");
        File.Delete(manifest);
        MakeFifo(manifest);
        Assert.Contains("manifest is empty or not a regular file", Refusal(folder));

        File.Delete(manifest);
        File.WriteAllText(manifest, "{" + new string(' ', (int)ModelBundleFolder.MaxManifestBytes) + "}");
        Assert.Contains("over the limit", Refusal(folder));
    }

    [Fact]
    public void Model_whose_size_differs_from_the_manifest_is_refused_before_hashing()
    {
        string folder = WriteBundle();
        File.AppendAllText(Path.Combine(folder, "model.onnx"), "x");

        Assert.Contains("(fileSizeBytes) says", Refusal(folder));
    }

    [Fact]
    public void Writer_refuses_a_model_file_name_that_leaves_the_folder_and_writes_nothing_outside()
    {
        string source = Path.Combine(dir, "source.onnx");
        File.WriteAllBytes(source, TinyOnnxModel.Create());
        string folder = Path.Combine(dir, "out");
        string victim = Path.Combine(dir, "victim.onnx");
        File.WriteAllText(victim, "keep me");

        var e = Assert.Throws<BundleException>(() => ModelBundleFolder.Write(folder, source, Manifest() with { ModelFile = "../victim.onnx" }));

        Assert.Contains("modelFile '../victim.onnx' must be a plain file name", e.Message);
        Assert.Equal("keep me", File.ReadAllText(victim));
    }

    [Fact]
    public void Writer_refuses_an_invalid_manifest_and_keeps_the_previous_bundle()
    {
        string folder = WriteBundle();
        string before = ModelBundleFolder.Read(folder).Manifest.Sha256;
        string source = Path.Combine(dir, "new.onnx");
        File.WriteAllBytes(source, TinyOnnxModel.Create());

        Assert.Throws<BundleException>(() => ModelBundleFolder.Write(folder, source, Manifest() with { Labels = null! }));

        Assert.Equal(before, ModelBundleFolder.Read(folder).Manifest.Sha256);
        Assert.DoesNotContain(Directory.GetFiles(folder), f => AtomicFile.IsTempName(Path.GetFileName(f)));
    }

    [Fact]
    public void Writer_whose_stream_throws_midway_leaves_the_previous_file_intact()
    {
        string path = Path.Combine(dir, "results.json");
        AtomicFile.WriteAllText(path, "previous");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new IOException("disk full (injected)");
        }));

        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["results.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Staged_model_of_a_writer_killed_before_publishing_leaves_the_previous_bundle_serving()
    {
        // A writer (export, quantize) stages the model in the folder and dies before Write publishes it.
        string folder = WriteBundle();
        var before = ModelBundleFolder.Read(folder).Manifest;
        string staged = ModelBundleFolder.StagingPath(folder);
        File.WriteAllBytes(staged, TinyOnnxModel.Create()[..10]);

        var after = ModelBundleFolder.Read(folder).Manifest;

        Assert.Equal(before.Sha256, after.Sha256);
        Assert.True(AtomicFile.IsTempName(Path.GetFileName(staged)));
    }

    /// <summary>The folder states a writer killed between its renames can leave (model set aside; new model in place, old manifest).</summary>
    public static TheoryData<bool> KilledBetweenRenames => new() { false, true };

    [Theory]
    [MemberData(nameof(KilledBetweenRenames))]
    public void Writer_killed_between_its_renames_leaves_the_previous_bundle_readable_and_the_next_write_recovers(bool newModelInPlace)
    {
        string folder = WriteBundle();
        var before = ModelBundleFolder.Read(folder).Manifest;
        string model = Path.Combine(folder, "model.onnx");
        string previous = ModelBundleFolder.PreviousModelPath(folder, "model.onnx");
        byte[] newModel = TinyOnnxModel.Create(producerVersion: "new");
        // What Write does before it dies: the previous model renamed aside, then (maybe) the new one renamed in.
        File.Move(model, previous);
        if (newModelInPlace) File.WriteAllBytes(model, newModel);

        var read = ModelBundleFolder.Read(folder);

        Assert.Equal(before.Sha256, read.Manifest.Sha256);
        Assert.Equal(previous, read.ModelPath);
        Assert.Equal(before.Sha256, BoundedFile.Sha256(read.ModelPath, ModelBundleFolder.MaxModelBytes));

        // The next write restores the folder's consistency and leaves no set-aside file.
        string source = Path.Combine(dir, "next.onnx");
        File.WriteAllBytes(source, TinyOnnxModel.Create(producerVersion: "next"));
        var next = ModelBundleFolder.Write(folder, source, Manifest());
        Assert.Equal(next.Sha256, ModelBundleFolder.Read(folder).Manifest.Sha256);
        Assert.Equal(model, ModelBundleFolder.Read(folder).ModelPath);
        Assert.False(File.Exists(previous));
    }

    [Fact]
    public void Set_aside_model_that_does_not_match_is_never_served()
    {
        string folder = WriteBundle();
        string model = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(ModelBundleFolder.PreviousModelPath(folder, "model.onnx"), TinyOnnxModel.Create(producerVersion: "other"));
        File.WriteAllBytes(model, TinyOnnxModel.Create(producerVersion: "tampered"));

        Assert.Contains("the model was changed", Refusal(folder), StringComparison.Ordinal);
    }

    [Fact]
    public void Hashing_reads_exactly_the_reported_size()
    {
        string file = Path.Combine(dir, "f.bin");
        File.WriteAllBytes(file, [1, 2, 3]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 1, 2, 3 })), BoundedFile.Sha256(file, 3));
        Assert.Contains("over the limit of 2 bytes", Assert.Throws<IOException>(() => BoundedFile.Sha256(file, 2)).Message);
        // A device reports size 0 and is never read (it would never end).
        Assert.Equal(BoundedFile.Sha256(Path.Combine(dir, "f.bin"), 3).Length, BoundedFile.Sha256("/dev/zero", 10).Length);
    }

    internal static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
