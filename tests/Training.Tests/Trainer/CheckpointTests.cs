using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static EdgeToolkit.Training.Tests.Trainer.TrainerTestData;

namespace EdgeToolkit.Training.Tests.Trainer;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class CheckpointTests
{
    private static readonly EpochMetrics Metrics = new(3, 0.5, 0.8, 0.75, 0.01, 1.5, 1000);

    [Fact]
    public void Round_trip_through_the_model_factory_gives_identical_outputs()
    {
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 16, 0.25) { Mean = [0.3f], Std = [0.2f], Labels = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray() };
        torch.manual_seed(3);
        using var model = ModelFactory.Create(spec);
        model.eval();
        string path = Path.Combine(TempFolder(), "ckpt");
        Checkpoint.Save(path, model, spec, Metrics);

        using var loaded = Checkpoint.Load(path);
        using var input = torch.randn(2, 1, 16, 16);
        using var expected = model.call(input);
        using var actual = loaded.Model.call(input);

        Assert.True(expected.equal(actual).all().item<bool>(), "outputs differ after the round trip");
        Assert.Equal(spec.Architecture, loaded.Spec.Architecture);
        Assert.Equal(spec.Alpha, loaded.Spec.Alpha);
        Assert.Equal(spec.Mean, loaded.Spec.Mean);
        Assert.Equal(spec.Std, loaded.Spec.Std);
        Assert.Equal(spec.Labels, loaded.Spec.Labels);
        Assert.Equal(Metrics, loaded.Metrics);
        Assert.Null(loaded.State);
    }

    [Fact]
    public void Spec_json_is_a_readable_model_spec_with_metrics()
    {
        string path = Path.Combine(TempFolder(), "ckpt");
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);

        string json = File.ReadAllText(Path.Combine(path, Checkpoint.SpecFile));
        Assert.Contains("\"architecture\": \"tiny\"", json);
        Assert.Contains("\"metrics\"", json);
        Assert.Contains("\"test_acc\": 0.75", json);
    }

    [Fact]
    public void Save_ignores_and_removes_stale_temp_folders()
    {
        string root = TempFolder();
        string path = Path.Combine(root, "last");
        string stale = Path.Combine(root, ".last.tmp-deadbeef");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, Checkpoint.ModelFile), "half written");

        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);

        Assert.False(Directory.Exists(stale));
        Assert.Single(Directory.GetDirectories(root));
        using var loaded = Checkpoint.Load(path, CreateTiny);
        Assert.Equal(Metrics, loaded.Metrics);
    }

    [Fact]
    public void A_kill_between_the_two_renames_leaves_the_previous_checkpoint_loadable()
    {
        string root = TempFolder();
        string path = Path.Combine(root, "last");
        torch.manual_seed(5);
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);
        // What Save leaves if killed after moving the old folder away and before moving the new one in.
        Directory.Move(path, Path.Combine(root, ".last.old-0123"));
        Directory.CreateDirectory(Path.Combine(root, ".last.tmp-4567"));

        using var loaded = Checkpoint.Load(path, CreateTiny);

        using var input = torch.randn(1, 1, TinySpec.InputSize, TinySpec.InputSize);
        model.eval();
        Assert.True(model.call(input).equal(loaded.Model.call(input)).all().item<bool>());
        Assert.Equal(["last"], Directory.GetDirectories(root).Select(Path.GetFileName));
    }

    [Fact]
    public void Overwriting_replaces_the_folder_contents()
    {
        string path = Path.Combine(TempFolder(), "last");
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);
        Checkpoint.Save(path, model, TinySpec, Metrics with { Epoch = 4 });

        Assert.Equal(4, Checkpoint.ReadSpec(path).Metrics!.Epoch);
    }

    [Fact]
    public void Missing_folder_is_named()
    {
        string path = Path.Combine(TempFolder(), "nothing-here");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Load(path, CreateTiny));
        Assert.Contains("nothing-here", e.Message);
    }

    [Theory]
    [InlineData(Checkpoint.ModelFile)]
    [InlineData(Checkpoint.SpecFile)]
    public void Missing_file_is_named(string file)
    {
        string path = Path.Combine(TempFolder(), "ckpt");
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);
        File.Delete(Path.Combine(path, file));

        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(path, CreateTiny));
        Assert.Contains(file, e.Message);
    }

    [Theory]
    [InlineData(Checkpoint.ModelFile, "not a TorchSharp state dict")]
    [InlineData(Checkpoint.SpecFile, "{ \"architecture\": ")]
    [InlineData(Checkpoint.SpecFile, "[1, 2]")]
    [InlineData(Checkpoint.StateFile, "{ broken")]
    public void Corrupt_file_is_named(string file, string content)
    {
        string path = Path.Combine(TempFolder(), "ckpt");
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, TinySpec, Metrics);
        File.WriteAllText(Path.Combine(path, file), content);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, CreateTiny));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Weights_of_another_architecture_are_rejected_naming_the_file()
    {
        string path = Path.Combine(TempFolder(), "ckpt");
        var spec = new ModelSpec("resnet20", 4, 1, 16);
        using var model = CreateTiny(TinySpec);
        Checkpoint.Save(path, model, spec, Metrics);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(Checkpoint.ModelFile, e.Message);
    }
}
