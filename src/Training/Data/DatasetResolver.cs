namespace EdgeToolkit.Training.Data;

/// <summary>
/// Turns a <c>--data</c> value into train and test splits:
/// <list type="bullet">
/// <item><c>fashion-mnist</c>: the explicit path, else <c>$EDGEKIT_FASHION_MNIST</c>, else
/// /usr/share/datasets/fashion-mnist (Debian <c>dataset-fashion-mnist</c>), else the embedded subset.</item>
/// <item><c>mnist</c>: the explicit path, else <c>$EDGEKIT_MNIST</c>.</item>
/// <item><c>cifar10</c> / <c>cifar100</c>: the explicit path, else <c>$EDGEKIT_CIFAR10</c> / <c>$EDGEKIT_CIFAR100</c>.</item>
/// <item><c>embedded</c>: the embedded Fashion-MNIST subset.</item>
/// <item>any existing folder: IDX or CIFAR files when it holds them, else an image folder (train/ and test/
/// sub-folders if present, else a deterministic 90/10 split of every class).</item>
/// </list>
/// A path or environment variable that is set but does not hold the dataset is an error, never skipped.
/// </summary>
public static class DatasetResolver
{
    /// <summary>Environment variable with the Fashion-MNIST folder.</summary>
    public const string FashionMnistVariable = "EDGEKIT_FASHION_MNIST";

    /// <summary>Environment variable with the MNIST folder.</summary>
    public const string MnistVariable = "EDGEKIT_MNIST";

    /// <summary>Environment variable with the CIFAR-10 folder.</summary>
    public const string Cifar10Variable = "EDGEKIT_CIFAR10";

    /// <summary>Environment variable with the CIFAR-100 folder.</summary>
    public const string Cifar100Variable = "EDGEKIT_CIFAR100";

    /// <summary>The dataset names understood besides folder paths.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["fashion-mnist", "mnist", "cifar10", "cifar100", "embedded"];

    /// <summary>Other spellings accepted for <see cref="KnownNames"/> (the one place aliases are listed).</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fashion_mnist"] = "fashion-mnist",
        ["fashionmnist"] = "fashion-mnist",
        ["cifar-10"] = "cifar10",
        ["cifar-100"] = "cifar100",
    };

    /// <summary>The known name <paramref name="name"/> stands for (case and aliases folded), or null when it is no dataset name (e.g. a folder).</summary>
    public static string? CanonicalName(string? name)
    {
        string key = name?.Trim().ToLowerInvariant() ?? "";
        return KnownNames.Contains(key) ? key : Aliases.GetValueOrDefault(key);
    }

    /// <summary>Resolves <paramref name="name"/> (a known name or a folder) with an optional explicit folder.</summary>
    /// <exception cref="DatasetException">Nothing usable was found (the message says where it looked and how to get the data), or a file is malformed.</exception>
    public static ResolvedDataset Resolve(string name, string? explicitPath = null, DatasetResolverOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new DatasetResolverOptions();
        explicitPath = string.IsNullOrWhiteSpace(explicitPath) ? null : explicitPath;
        switch (CanonicalName(name))
        {
            case "fashion-mnist":
                return ResolveFashionMnist(explicitPath, options);
            case "mnist":
                return ResolveIdx("MNIST", explicitPath, MnistVariable, options, StandardClassNames.Mnist)
                    ?? throw new DatasetException(
                        $"MNIST was not found: no explicit path was given and {MnistVariable} is not set. Download the four " +
                        "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz files of MNIST into a folder and pass that folder " +
                        $"(or set {MnistVariable}).");
            case "cifar10":
                return ResolveCifar(explicitPath, options, hundred: false);
            case "cifar100":
                return ResolveCifar(explicitPath, options, hundred: true);
            case "embedded":
                return Embedded("embedded Fashion-MNIST subset (asked for by name)");
        }
        if (explicitPath is not null)
            throw new DatasetException($"--data '{name}' is not a dataset name ({string.Join(", ", KnownNames)}); give either a name with a path, or a folder alone");
        if (!Directory.Exists(name))
            throw new DatasetException($"--data '{name}' is neither a dataset name ({string.Join(", ", KnownNames)}) nor an existing folder") { FilePath = name };
        return ResolveFolder(name, options);
    }

    /// <summary>Reads an existing folder, detecting IDX and CIFAR files, else reading it as an image folder.</summary>
    /// <exception cref="DatasetException">The folder holds nothing readable or a file is malformed.</exception>
    public static ResolvedDataset ResolveFolder(string folder, DatasetResolverOptions? options = null)
    {
        options ??= new DatasetResolverOptions();
        if (!Directory.Exists(folder))
            throw DatasetException.InFile(folder, "folder not found");
        if (IdxReader.LooksLikeIdxFolder(folder))
        {
            bool fashion = folder.Contains("fashion", StringComparison.OrdinalIgnoreCase);
            var names = fashion ? StandardClassNames.FashionMnist : StandardClassNames.Mnist;
            return ReadIdx(folder, names, $"IDX dataset from {folder} ({(fashion ? "Fashion-MNIST" : "MNIST digit")} class names)");
        }
        if (CifarBinaryReader.FindCifar10Folder(folder) is not null)
            return ReadCifar10(folder, $"CIFAR-10 from {folder}");
        if (CifarBinaryReader.FindCifar100Folder(folder) is not null)
            return ReadCifar100(folder, options, $"CIFAR-100 from {folder}");
        return ReadImageFolder(folder, options);
    }

    private static ResolvedDataset ResolveFashionMnist(string? explicitPath, DatasetResolverOptions options)
    {
        var found = ResolveIdx("Fashion-MNIST", explicitPath, FashionMnistVariable, options, StandardClassNames.FashionMnist);
        if (found is not null)
            return found;
        string system = options.SystemFashionMnistFolder;
        if (Directory.Exists(system) && IdxReader.LooksLikeIdxFolder(system))
            return ReadIdx(system, StandardClassNames.FashionMnist, $"Fashion-MNIST from {system} (system package dataset-fashion-mnist)");
        return Embedded($"{EmbeddedFashionMnist.Description}: no explicit path, {FashionMnistVariable} not set, nothing at {system}");
    }

    private static ResolvedDataset? ResolveIdx(string label, string? explicitPath, string variable, DatasetResolverOptions options, IReadOnlyList<string> names)
    {
        if (explicitPath is not null)
            return ReadIdx(RequireFolder(explicitPath, $"{label} path"), names, $"{label} from {explicitPath} (explicit path)");
        string? fromEnv = options.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
            return ReadIdx(RequireFolder(fromEnv, $"{label} folder in {variable}"), names, $"{label} from {fromEnv} ({variable})");
        return null;
    }

    private static ResolvedDataset ResolveCifar(string? explicitPath, DatasetResolverOptions options, bool hundred)
    {
        string label = hundred ? "CIFAR-100" : "CIFAR-10";
        string variable = hundred ? Cifar100Variable : Cifar10Variable;
        string? path = explicitPath;
        string how = "explicit path";
        if (path is null)
        {
            path = options.GetEnvironmentVariable(variable);
            how = variable;
        }
        if (string.IsNullOrWhiteSpace(path))
        {
            string archive = hundred ? "cifar-100-binary.tar.gz" : "cifar-10-binary.tar.gz";
            string inner = hundred ? CifarBinaryReader.Cifar100FolderName : CifarBinaryReader.Cifar10FolderName;
            throw new DatasetException(
                $"{label} was not found: no explicit path was given and {variable} is not set (the toolkit does not download data). " +
                $"Download the binary version from https://www.cs.toronto.edu/~kriz/{archive}, extract it (tar xzf {archive}) " +
                $"and pass the {inner} folder as the data path, or set {variable} to it.");
        }
        RequireFolder(path, $"{label} folder ({how})");
        string description = $"{label} from {path} ({how})";
        return hundred ? ReadCifar100(path, options, description) : ReadCifar10(path, description);
    }

    private static string RequireFolder(string path, string what)
    {
        if (!Directory.Exists(path))
            throw new DatasetException($"{path}: {what} does not exist or is not a folder") { FilePath = path };
        return path;
    }

    private static ResolvedDataset ReadIdx(string folder, IReadOnlyList<string> names, string description) =>
        new(IdxReader.ReadFolder(folder, train: true, names), IdxReader.ReadFolder(folder, train: false, names), description);

    private static ResolvedDataset ReadCifar10(string folder, string description) =>
        new(CifarBinaryReader.ReadCifar10(folder, train: true), CifarBinaryReader.ReadCifar10(folder, train: false), description);

    private static ResolvedDataset ReadCifar100(string folder, DatasetResolverOptions options, string description) =>
        new(CifarBinaryReader.ReadCifar100(folder, train: true, options.Cifar100FineLabels),
            CifarBinaryReader.ReadCifar100(folder, train: false, options.Cifar100FineLabels), description);

    private static ResolvedDataset Embedded(string description)
    {
        var (train, test) = EmbeddedFashionMnist.Load();
        return new ResolvedDataset(train, test, description);
    }

    private static ResolvedDataset ReadImageFolder(string folder, DatasetResolverOptions options)
    {
        int size = options.ImageSize, channels = options.ImageChannels;
        string trainFolder = Path.Combine(folder, "train");
        string? testFolder = new[] { "test", "val", "validation" }.Select(n => Path.Combine(folder, n)).FirstOrDefault(Directory.Exists);
        if (Directory.Exists(trainFolder) && testFolder is not null)
        {
            var train = ImageFolderReader.Read(trainFolder, size, size, channels);
            var test = ImageFolderReader.Read(testFolder, size, size, channels, train.ClassNames);
            return new ResolvedDataset(train, test,
                $"image folder {folder} ({Path.GetFileName(trainFolder)}/ and {Path.GetFileName(testFolder)}/, {size}x{size}x{channels})");
        }

        // A train/ folder alone is split like a plain class folder.
        string classes = Directory.Exists(trainFolder) ? trainFolder : folder;
        var all = ImageFolderReader.Read(classes, size, size, channels);
        // Every 10th image of each class (in file-name order) goes to test: deterministic and stratified.
        var trainIndices = new List<int>();
        var testIndices = new List<int>();
        var seen = new int[all.ClassNames.Count];
        for (int i = 0; i < all.Count; i++)
        {
            int position = seen[all.Labels[i]]++;
            (position % 10 == 9 ? testIndices : trainIndices).Add(i);
        }
        if (testIndices.Count == 0)
            throw DatasetException.InFile(classes, $"only {all.Count} images: too few for a 90/10 split (need at least 10 in a class, or train/ and test/ sub-folders)");
        return new ResolvedDataset(
            all.Subset(trainIndices, $"{classes} (train, 90%)"),
            all.Subset(testIndices, $"{classes} (test, every 10th image per class)"),
            $"image folder {classes} (no test/ folder: every 10th image of each class held out for test, {size}x{size}x{channels})");
    }
}
