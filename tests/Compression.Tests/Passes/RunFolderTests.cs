using EdgeToolkit.Compression.Passes;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Tests.Passes;

/// <summary>The pipeline never deletes what it did not create: run-folder marker, --overwrite, output path checks.</summary>
public sealed class RunFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgekit-runfolder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Recipe Recipe(string name, string? output = null) =>
        RecipeLoader.Parse($$"""
        { "name": "{{name}}", "output": "{{output ?? _root}}", "dataset": { "name": "embedded" },
          "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0], "precisions": ["fp32"] },
          "passes": [ { "name": "train" } ] }
        """, "r.json");

    [Fact]
    public void Existing_folder_without_the_marker_is_refused_and_left_untouched()
    {
        string victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "notes.txt"), "my notes");

        foreach (bool overwrite in new[] { false, true })
        {
            var e = Assert.Throws<RecipeException>(() => RunFolder.Create(Recipe("victim"), overwrite));
            Assert.Contains($"run folder {victim}", e.Message);
            Assert.Contains("was not made by edgekit", e.Message);
            Assert.Contains(RunFolder.MarkerFileName, e.Message);
        }
        Assert.Equal("my notes", File.ReadAllText(Path.Combine(victim, "notes.txt")));
    }

    [Fact]
    public void Pipeline_run_into_an_unmarked_folder_deletes_nothing()
    {
        // The reproduction of the issue: output ".." from a sibling, a folder of notes with the run's name.
        string victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "notes.txt"), "my notes");
        string sibling = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        var recipe = Recipe("victim", Path.Combine(sibling, ".."));

        var e = Assert.Throws<RecipeException>(() => new PipelineRunner(recipe).Run());

        Assert.Contains("was not made by edgekit", e.Message);
        Assert.Equal("my notes", File.ReadAllText(Path.Combine(victim, "notes.txt")));
    }

    [Fact]
    public void Marked_run_is_replaced_only_with_overwrite()
    {
        string folder = RunFolder.Create(Recipe("run"), overwrite: false);
        Assert.True(RunFolder.IsMarked(folder));
        File.WriteAllText(Path.Combine(folder, "results.md"), "old");

        var e = Assert.Throws<RecipeException>(() => RunFolder.Create(Recipe("run"), overwrite: false));
        Assert.Contains("holds an earlier run; pass --overwrite", e.Message);
        Assert.True(File.Exists(Path.Combine(folder, "results.md")));

        Assert.Equal(folder, RunFolder.Create(Recipe("run"), overwrite: true));
        Assert.False(File.Exists(Path.Combine(folder, "results.md")));
        Assert.True(RunFolder.IsMarked(folder));
        Assert.Empty(Directory.GetDirectories(_root, ".run.old-*"));
    }

    [Fact]
    public void Empty_existing_folder_is_used_and_marked()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        RunFolder.Create(Recipe("empty"), overwrite: false);

        Assert.True(RunFolder.IsMarked(folder));
    }

    [Fact]
    public void Existing_file_and_symbolic_link_are_refused()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "x");
        Assert.Contains("is an existing file", Assert.Throws<RecipeException>(() => RunFolder.Check(Recipe("file"), true)).Message);

        string target = RunFolder.Create(Recipe("target"), overwrite: false);
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), target);
        Assert.Contains("is a symbolic link", Assert.Throws<RecipeException>(() => RunFolder.Check(Recipe("link"), true)).Message);
    }

    public static TheoryData<string, string, string> ForbiddenOutputs => new()
    {
        { "/", "etc", "is inside the system folder /etc" },
        { "/usr", "share", "is inside the system folder /usr" },
        { "/var/lib", "x", "is inside the system folder /var" },
        { "/", "boot", "is inside the system folder /boot" },
        { "/proc", "self", "is inside the system folder /proc" },
        { "/", "bin", "is inside the system folder /bin" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenOutputs))]
    public void System_folders_are_refused(string output, string name, string expected)
    {
        var e = Assert.Throws<RecipeException>(() => RunFolder.Check(Recipe(name, output), overwrite: true));

        Assert.Contains(expected, e.Message);
        Assert.Contains("r.json", e.Message);
    }

    [Fact]
    public void Root_home_and_folders_holding_home_are_refused()
    {
        string home = Path.TrimEndingDirectorySeparator(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        Assert.Equal("is the filesystem root", OutputLocation.Problem("/"));
        Assert.Equal("is your home folder itself; use a folder inside it", OutputLocation.Problem(home));
        if (home.Count(c => c == '/') > 1)
            Assert.StartsWith("contains your home folder", OutputLocation.Problem(Path.GetDirectoryName(home)!));
        Assert.Null(OutputLocation.Problem(Path.Combine(home, "runs")));
        Assert.Null(OutputLocation.Problem("/var/tmp/runs"));
        Assert.Null(OutputLocation.Problem(_root));
    }
}
