using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class DatasetResolverTests
{
    private static DatasetResolverOptions Options(string systemFolder, Dictionary<string, string>? environment = null) => new()
    {
        SystemFashionMnistFolder = systemFolder,
        GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
    };

    [Fact]
    public void Fashion_mnist_prefers_explicit_path_then_environment_then_system_then_embedded()
    {
        using var temp = new TempDatasetFolder();
        string explicitFolder = temp.File("explicit"), envFolder = temp.File("env"), systemFolder = temp.File("system");
        temp.WriteIdxDataset(explicitFolder, 11, 3);
        temp.WriteIdxDataset(envFolder, 12, 4);
        temp.WriteIdxDataset(systemFolder, 13, 5);
        var env = new Dictionary<string, string> { [DatasetResolver.FashionMnistVariable] = envFolder };

        var fromExplicit = DatasetResolver.Resolve("fashion-mnist", explicitFolder, Options(systemFolder, env));
        var fromEnv = DatasetResolver.Resolve("fashion-mnist", null, Options(systemFolder, env));
        var fromSystem = DatasetResolver.Resolve("fashion-mnist", null, Options(systemFolder));
        var fromEmbedded = DatasetResolver.Resolve("fashion-mnist", null, Options(temp.File("absent")));

        Assert.Equal((11, 3), (fromExplicit.Train.Count, fromExplicit.Test.Count));
        Assert.Contains("explicit path", fromExplicit.Description);
        Assert.Equal((12, 4), (fromEnv.Train.Count, fromEnv.Test.Count));
        Assert.Contains(DatasetResolver.FashionMnistVariable, fromEnv.Description);
        Assert.Equal((13, 5), (fromSystem.Train.Count, fromSystem.Test.Count));
        Assert.Contains("system package", fromSystem.Description);
        Assert.Equal((6000, 1000), (fromEmbedded.Train.Count, fromEmbedded.Test.Count));
        Assert.Contains("embedded", fromEmbedded.Description);
        Assert.Equal(StandardClassNames.FashionMnist, fromEnv.ClassNames);
    }

    [Fact]
    public void Real_environment_variable_is_read_by_default()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteIdxDataset(temp.Path, 9, 2);
        // A variable only this test reads: MNIST is resolved from path/env alone.
        Environment.SetEnvironmentVariable(DatasetResolver.MnistVariable, temp.Path);
        try
        {
            var resolved = DatasetResolver.Resolve("mnist");
            Assert.Equal(9, resolved.Train.Count);
            Assert.Contains(temp.Path, resolved.Description);
            Assert.Equal(StandardClassNames.Mnist, resolved.ClassNames);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetResolver.MnistVariable, null);
        }
    }

    [Fact]
    public void A_set_but_wrong_location_is_an_error_not_a_fallback()
    {
        using var temp = new TempDatasetFolder();
        var env = new Dictionary<string, string> { [DatasetResolver.FashionMnistVariable] = temp.File("missing") };

        var e = Assert.Throws<DatasetException>(() => DatasetResolver.Resolve("fashion-mnist", null, Options(temp.File("absent"), env)));

        Assert.Contains(temp.File("missing"), e.Message);
        Assert.Contains(DatasetResolver.FashionMnistVariable, e.Message);
    }

    [Theory]
    [InlineData("cifar10", "EDGEKIT_CIFAR10", "cifar-10-binary.tar.gz")]
    [InlineData("cifar100", "EDGEKIT_CIFAR100", "cifar-100-binary.tar.gz")]
    [InlineData("mnist", "EDGEKIT_MNIST", "train,t10k")]
    public void Datasets_without_a_location_say_where_they_looked_and_how_to_get_them(string name, string variable, string hint)
    {
        var e = Assert.Throws<DatasetException>(() => DatasetResolver.Resolve(name, null, Options("/nonexistent")));
        Assert.Contains("no explicit path was given", e.Message);
        Assert.Contains(variable, e.Message);
        Assert.Contains(hint, e.Message);
    }

    [Fact]
    public void Cifar10_from_environment_and_from_a_folder_path()
    {
        using var temp = new TempDatasetFolder();
        string folder = temp.File(CifarBinaryReader.Cifar10FolderName);
        temp.WriteCifar10(folder, perBatch: 2, testCount: 3);
        var env = new Dictionary<string, string> { [DatasetResolver.Cifar10Variable] = temp.Path };

        var fromEnv = DatasetResolver.Resolve("cifar10", null, Options("/nonexistent", env));
        var fromFolder = DatasetResolver.Resolve(folder, null, Options("/nonexistent"));

        Assert.Equal((10, 3), (fromEnv.Train.Count, fromEnv.Test.Count));
        Assert.Contains(DatasetResolver.Cifar10Variable, fromEnv.Description);
        Assert.Equal(10, fromFolder.Train.Count);
        Assert.Contains("CIFAR-10", fromFolder.Description);
    }

    [Fact]
    public void Image_folder_with_train_and_test_uses_them()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.File("train"), ["a", "b", "c"], perClass: 3);
        temp.WriteImageFolder(temp.File("test"), ["a", "c"], perClass: 1);

        var resolved = DatasetResolver.Resolve(temp.Path, null, Options("/nonexistent") with { ImageSize = 12, ImageChannels = 1 });

        Assert.Equal(9, resolved.Train.Count);
        Assert.Equal([0L, 2], resolved.Test.Labels);
        Assert.Equal(["a", "b", "c"], resolved.Test.ClassNames);
        Assert.Equal((1, 12, 12), (resolved.Train.Channels, resolved.Train.Height, resolved.Train.Width));
    }

    [Fact]
    public void Image_folder_without_splits_holds_out_every_tenth_image_per_class()
    {
        using var temp = new TempDatasetFolder();
        temp.WriteImageFolder(temp.Path, ["a", "b"], perClass: 20, width: 4, height: 4);

        var first = DatasetResolver.Resolve(temp.Path, null, Options("/nonexistent") with { ImageSize = 4 });
        var second = DatasetResolver.Resolve(temp.Path, null, Options("/nonexistent") with { ImageSize = 4 });

        Assert.Equal(36, first.Train.Count);
        Assert.Equal([0L, 0, 1, 1], first.Test.Labels);
        Assert.Equal(first.Train.Pixels, second.Train.Pixels);
        Assert.Contains("every 10th", first.Description);
    }

    [Fact]
    public void Val_folder_counts_as_test_and_a_lone_train_folder_is_split()
    {
        using var withVal = new TempDatasetFolder();
        withVal.WriteImageFolder(withVal.File("train"), ["a", "b"], perClass: 2, width: 4, height: 4);
        withVal.WriteImageFolder(withVal.File("val"), ["b"], perClass: 1, width: 4, height: 4);
        using var trainOnly = new TempDatasetFolder();
        trainOnly.WriteImageFolder(trainOnly.File("train"), ["a", "b"], perClass: 10, width: 4, height: 4);

        var val = DatasetResolver.Resolve(withVal.Path, null, Options("/nonexistent") with { ImageSize = 4 });
        var split = DatasetResolver.Resolve(trainOnly.Path, null, Options("/nonexistent") with { ImageSize = 4 });

        Assert.Equal([1L], val.Test.Labels);
        Assert.Equal(["a", "b"], split.ClassNames);
        Assert.Equal((18, 2), (split.Train.Count, split.Test.Count));
    }

    [Fact]
    public void Test_class_missing_from_train_and_too_small_folders_are_refused()
    {
        using var extraClass = new TempDatasetFolder();
        extraClass.WriteImageFolder(extraClass.File("train"), ["a"], perClass: 1, width: 4, height: 4);
        extraClass.WriteImageFolder(extraClass.File("test"), ["z"], perClass: 1, width: 4, height: 4);
        using var tiny = new TempDatasetFolder();
        tiny.WriteImageFolder(tiny.Path, ["a", "b"], perClass: 3, width: 4, height: 4);

        var e1 = Assert.Throws<DatasetException>(() => DatasetResolver.Resolve(extraClass.Path, null, Options("/nonexistent")));
        var e2 = Assert.Throws<DatasetException>(() => DatasetResolver.Resolve(tiny.Path, null, Options("/nonexistent")));

        Assert.Contains("class folder 'z' is not one of the 1 known classes", e1.Message);
        Assert.Contains(extraClass.File("test"), e1.Message);
        Assert.Contains("too few for a 90/10 split", e2.Message);
    }

    [Fact]
    public void Embedded_by_name()
    {
        var resolved = DatasetResolver.Resolve("embedded");
        Assert.Equal(6000, resolved.Train.Count);
        Assert.Contains("embedded", resolved.Description);
    }

    [Fact]
    public void Unknown_name_that_is_not_a_folder_lists_the_names()
    {
        var e = Assert.Throws<DatasetException>(() => DatasetResolver.Resolve("imagenet-21k"));
        Assert.Contains("imagenet-21k", e.Message);
        Assert.Contains("fashion-mnist, mnist, cifar10, cifar100, embedded", e.Message);
    }
}
