using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Tests.Trainer;

/// <summary>An easy synthetic task: the class is the quadrant holding a bright square; plus helpers.</summary>
internal static class TrainerTestData
{
    public const int Size = 16;
    public const int Classes = 4;

    public static readonly ModelSpec TinySpec = new("tiny", Classes, 1, Size) { Labels = ["tl", "tr", "bl", "br"] };

    public static Module<Tensor, Tensor> CreateTiny(ModelSpec spec) => new TinyNet(spec.NumClasses, spec.InputChannels);

    public static ImageDataset Quadrants(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * Size * Size];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % Classes;
            labels[i] = c;
            int baseOffset = i * Size * Size;
            for (int p = 0; p < Size * Size; p++) pixels[baseOffset + p] = (byte)rng.Next(0, 60);
            int y0 = (c / 2) * (Size / 2) + rng.Next(0, 3), x0 = (c % 2) * (Size / 2) + rng.Next(0, 3);
            for (int y = y0; y < y0 + 5; y++)
                for (int x = x0; x < x0 + 5; x++)
                    pixels[baseOffset + y * Size + x] = (byte)rng.Next(200, 256);
        }
        return new ImageDataset($"quadrants(seed {seed})", pixels, labels, 1, Size, Size, ["tl", "tr", "bl", "br"]);
    }

    public static string TempFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "edgekit-trainer-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>Trainer tests touch libtorch's global seed and thread count: run them alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalStateCollection
{
    public const string Name = "torch global state";
}
