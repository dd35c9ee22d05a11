using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using TorchSharp;

namespace EdgeToolkit.Training.Tests.Data;

public sealed class BatchLoaderTests
{
    /// <summary>n images of c x h x w; image i has value (i + 1) at its first byte so it can be recognised.</summary>
    private static ImageDataset Dataset(int n, int c = 1, int h = 28, int w = 28)
    {
        var pixels = new byte[n * c * h * w];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = TempDatasetFolder.PixelOf(i / (c * h * w), i % (c * h * w));
        for (int i = 0; i < n; i++)
            pixels[i * c * h * w] = (byte)(i + 1);
        return new ImageDataset("test", pixels, Enumerable.Range(0, n).Select(i => (long)(i % 10)).ToArray(), c, h, w, StandardClassNames.Mnist);
    }

    private static List<(float[] Images, long[] Labels, long[] Shape)> Collect(BatchLoader loader, int epoch)
    {
        var result = new List<(float[], long[], long[])>();
        foreach (var (images, labels) in loader.Batches(epoch))
        {
            using (images)
            using (labels)
            {
                Assert.Equal(torch.ScalarType.Float32, images.dtype);
                Assert.Equal(torch.ScalarType.Int64, labels.dtype);
                result.Add((images.data<float>().ToArray(), labels.data<long>().ToArray(), images.shape));
            }
        }
        return result;
    }

    [Theory]
    [InlineData(false, new[] { 4, 4, 2 })]
    [InlineData(true, new[] { 4, 4 })]
    public void Batches_have_the_target_shape_and_last_batch_follows_DropLast(bool dropLast, int[] sizes)
    {
        using var loader = new BatchLoader(Dataset(10), new BatchLoaderOptions { BatchSize = 4, TargetSize = 32, TargetChannels = 3, DropLast = dropLast });

        var batches = Collect(loader, 0);

        Assert.Equal(sizes.Length, loader.BatchesPerEpoch);
        Assert.Equal(sizes, batches.Select(b => (int)b.Shape[0]));
        Assert.All(batches, b => Assert.Equal([b.Shape[0], 3, 32, 32], b.Shape));
        Assert.Equal(SizeAdjustment.Pad, loader.Adjustment);
    }

    [Fact]
    public void Pixels_are_scaled_padded_centred_repeated_and_normalised()
    {
        var data = Dataset(2);
        float mean = 0.25f, std = 0.5f;
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 2, TargetSize = 32, TargetChannels = 3, Mean = [mean], Std = [std] });

        var (images, labels, _) = Collect(loader, 0).Single();

        Assert.Equal([0L, 1], labels);
        // Image 1, channel 2, output (y=2+5, x=2+9) = input (5, 9): 2 pixels of zero padding on each side.
        int input = 1 * 784 + 5 * 28 + 9;
        int output = ((1 * 3 + 2) * 32 + 7) * 32 + 11;
        Assert.Equal((data.Pixels[input] / 255f - mean) / std, images[output], 5);
        // The padding is zero before normalisation.
        Assert.Equal((0 - mean) / std, images[((1 * 3 + 0) * 32 + 0) * 32 + 0], 5);
        Assert.Equal((0 - mean) / std, images[((0 * 3 + 1) * 32 + 31) * 32 + 30], 5);
    }

    [Fact]
    public void Without_normalisation_values_are_pixels_over_255()
    {
        var data = Dataset(3, c: 3, h: 5, w: 4);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 8 });

        var (images, _, shape) = Collect(loader, 0).Single();

        Assert.Equal([3L, 3, 5, 4], shape);
        Assert.Equal(data.Pixels.Length, images.Length);
        for (int i = 0; i < images.Length; i++)
            Assert.Equal(data.Pixels[i] / 255f, images[i], 1e-6f);
    }

    [Fact]
    public void Resize_and_grey_conversion_work_on_the_batch()
    {
        var data = Dataset(3, c: 3, h: 8, w: 8);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 3, TargetSize = 20, TargetChannels = 1 });

        var (images, _, shape) = Collect(loader, 0).Single();

        Assert.Equal([3L, 1, 20, 20], shape);
        Assert.Equal(SizeAdjustment.Resize, loader.Adjustment);
        Assert.All(images, v => Assert.InRange(v, 0f, 1f));
    }

    [Theory]
    [InlineData(28, 28, 32, 32, SizeAdjustment.Pad)]
    [InlineData(28, 28, 28, 28, SizeAdjustment.None)]
    [InlineData(28, 28, 64, 64, SizeAdjustment.Resize)]
    [InlineData(32, 32, 28, 28, SizeAdjustment.Resize)]
    [InlineData(28, 28, 36, 36, SizeAdjustment.Pad)]
    [InlineData(28, 28, 37, 37, SizeAdjustment.Resize)]
    public void Size_adjustment_pads_small_growth_and_resizes_otherwise(int h, int w, int th, int tw, SizeAdjustment expected) =>
        Assert.Equal(expected, BatchLoader.ChooseSizeAdjustment(h, w, th, tw));

    [Fact]
    public void Same_seed_and_epoch_give_the_same_batches_and_epochs_differ()
    {
        var options = new BatchLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 7, RandomCropPadding = 2, HorizontalFlip = true };
        var data = Dataset(40);
        using var first = new BatchLoader(data, options);
        using var second = new BatchLoader(data, options);

        var a = Collect(first, 3);
        var b = Collect(second, 3);
        var c = Collect(first, 4);

        Assert.Equal(a.SelectMany(x => x.Images), b.SelectMany(x => x.Images));
        Assert.Equal(a.SelectMany(x => x.Labels), b.SelectMany(x => x.Labels));
        Assert.NotEqual(first.Order(3), first.Order(4));
        Assert.NotEqual(a.SelectMany(x => x.Images), c.SelectMany(x => x.Images));
    }

    [Fact]
    public void Flip_gives_each_image_or_its_mirror_and_changes_some()
    {
        const int n = 32, h = 6, w = 5;
        var data = Dataset(n, c: 2, h: h, w: w);
        using var plain = new BatchLoader(data, new BatchLoaderOptions { BatchSize = n });
        using var flipped = new BatchLoader(data, new BatchLoaderOptions { BatchSize = n, HorizontalFlip = true, Seed = 1 });

        var original = Collect(plain, 0).Single();
        var augmented = Collect(flipped, 0).Single();

        Assert.Equal(original.Shape, augmented.Shape);
        int changed = 0;
        int size = 2 * h * w;
        for (int i = 0; i < n; i++)
        {
            var before = original.Images.AsSpan(i * size, size);
            var after = augmented.Images.AsSpan(i * size, size);
            if (before.SequenceEqual(after))
                continue;
            changed++;
            for (int ch = 0; ch < 2; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        Assert.Equal(before[(ch * h + y) * w + (w - 1 - x)], after[(ch * h + y) * w + x]);
        }
        Assert.InRange(changed, 1, n - 1);
    }

    [Fact]
    public void Random_erasing_sets_one_rectangle_of_2_to_33_percent_to_the_mean_in_about_p_of_the_images()
    {
        const int n = 400, h = 20, w = 16;
        var data = Dataset(n, c: 2, h: h, w: w);
        var normalised = new BatchLoaderOptions { BatchSize = 100, Mean = [0.3f], Std = [0.2f] };
        using var plain = new BatchLoader(data, normalised);
        using var erasing = new BatchLoader(data, normalised with { RandomErasing = 0.5, Seed = 4 });

        var before = Collect(plain, 0).SelectMany(b => b.Images).ToArray();
        var after = Collect(erasing, 0).SelectMany(b => b.Images).ToArray();

        int size = 2 * h * w, erased = 0;
        for (int i = 0; i < n; i++)
        {
            var changedPixels = new List<(int Y, int X)>();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool changed0 = before[i * size + y * w + x] != after[i * size + y * w + x];
                    bool changed1 = before[i * size + (h + y) * w + x] != after[i * size + (h + y) * w + x];
                    Assert.Equal(changed0, changed1); // the same rectangle in every channel
                    if (changed0)
                    {
                        Assert.Equal(0f, after[i * size + y * w + x]);
                        changedPixels.Add((y, x));
                    }
                }
            if (changedPixels.Count == 0) continue;
            erased++;
            // One rectangle: the changed pixels fill their bounding box (a pixel already at the mean may not change).
            int top = changedPixels.Min(p => p.Y), bottom = changedPixels.Max(p => p.Y), left = changedPixels.Min(p => p.X), right = changedPixels.Max(p => p.X);
            int box = (bottom - top + 1) * (right - left + 1);
            for (int y = top; y <= bottom; y++)
                for (int x = left; x <= right; x++)
                    Assert.Equal(0f, after[i * size + y * w + x]);
            Assert.InRange(box, (int)(0.02 * h * w) - 2, (int)Math.Ceiling(0.33 * h * w) + 12);
        }
        Assert.InRange(erased, 150, 250); // p = 0.5 of 400
    }

    [Fact]
    public void Random_crop_gives_a_window_of_the_zero_padded_image_and_changes_some()
    {
        const int n = 16, h = 7, w = 6, p = 2;
        var data = Dataset(n, c: 1, h: h, w: w);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = n, RandomCropPadding = p, Seed = 3 });

        var (images, _, shape) = Collect(loader, 0).Single();

        Assert.Equal([n, 1L, h, w], shape);
        int shifted = 0;
        for (int i = 0; i < n; i++)
        {
            var crop = images.AsSpan(i * h * w, h * w).ToArray();
            float Source(int y, int x) => y < 0 || y >= h || x < 0 || x >= w ? 0f : data.Pixels[i * h * w + y * w + x] / 255f;
            var offsets = new List<(int, int)>();
            for (int dy = -p; dy <= p; dy++)
                for (int dx = -p; dx <= p; dx++)
                {
                    bool match = true;
                    for (int y = 0; y < h && match; y++)
                        for (int x = 0; x < w && match; x++)
                            match = MathF.Abs(crop[y * w + x] - Source(y + dy, x + dx)) < 1e-6f;
                    if (match)
                        offsets.Add((dy, dx));
                }
            Assert.NotEmpty(offsets);
            if (!offsets.Contains((0, 0)))
                shifted++;
        }
        Assert.InRange(shifted, 1, n);
    }

    [Fact]
    public void Every_image_is_yielded_exactly_once_per_epoch_through_the_prefetch()
    {
        const int n = 203;
        var data = Dataset(n, c: 1, h: 4, w: 4);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 16, Shuffle = true, Seed = 11, PrefetchBatches = 2 });

        for (int epoch = 0; epoch < 2; epoch++)
        {
            var seen = new List<int>();
            var labels = new List<long>();
            foreach (var batch in Collect(loader, epoch))
            {
                for (int i = 0; i < batch.Labels.Length; i++)
                {
                    int id = (int)MathF.Round(batch.Images[i * 16] * 255f) - 1;
                    seen.Add(id);
                    Assert.Equal(id % 10, batch.Labels[i]);
                }
                labels.AddRange(batch.Labels);
            }
            Assert.Equal(Enumerable.Range(0, n), seen.Order());
            Assert.NotEqual(Enumerable.Range(0, n), seen);
        }
    }

    [Fact]
    public void Starting_at_a_later_batch_gives_the_tail_of_the_full_epoch()
    {
        var data = Dataset(50, c: 1, h: 6, w: 6);
        var options = new BatchLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 5, RandomCropPadding = 1, HorizontalFlip = true };
        using var loader = new BatchLoader(data, options);

        var full = Collect(loader, 2);
        var tail = loader.Batches(2, firstBatch: 4).Select(b =>
        {
            using (b.Images)
            using (b.Labels)
                return b.Images.data<float>().ToArray();
        }).ToList();

        Assert.Equal(3, tail.Count);
        Assert.Equal(full.Skip(4).SelectMany(b => b.Images), tail.SelectMany(t => t));
    }

    [Fact]
    public void Grey_images_repeated_to_three_channels_are_identical_per_channel_before_normalisation()
    {
        var data = Dataset(4, c: 1, h: 5, w: 5);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, TargetChannels = 3, RandomCropPadding = 1, HorizontalFlip = true, Seed = 2 });

        var (images, _, shape) = Collect(loader, 0).Single();

        Assert.Equal([4L, 3, 5, 5], shape);
        for (int i = 0; i < 4; i++)
        {
            var red = images.AsSpan((i * 3 + 0) * 25, 25).ToArray();
            Assert.Equal(red, images.AsSpan((i * 3 + 1) * 25, 25).ToArray());
            Assert.Equal(red, images.AsSpan((i * 3 + 2) * 25, 25).ToArray());
        }
    }

    [Fact]
    public void Stopping_early_cancels_the_prefetch_and_the_loader_can_run_again()
    {
        var data = Dataset(100, c: 1, h: 4, w: 4);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 10 });

        foreach (var (images, labels) in loader.Batches(0))
        {
            images.Dispose();
            labels.Dispose();
            break;
        }

        Assert.Equal(10, Collect(loader, 1).Count);
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Batches(2));
    }

    [Fact]
    public void Disposing_the_loader_mid_epoch_stops_the_enumeration()
    {
        var data = Dataset(100, c: 1, h: 4, w: 4);
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 5 }); // disposed mid-epoch below; a second Dispose does nothing
        int received = 0;

        Assert.Throws<ObjectDisposedException>(() =>
        {
            foreach (var (images, labels) in loader.Batches(0))
            {
                images.Dispose();
                labels.Dispose();
                if (++received == 3)
                    loader.Dispose();
            }
        });
        Assert.Equal(3, received);
    }

    [Fact]
    public void Statistics_are_per_channel_on_the_unit_scale()
    {
        // Channel 0 holds 0 and 255 (mean 0.5, std 0.5); channel 1 is constant 51 (mean 0.2, std 0).
        var data = new ImageDataset("stats", [0, 255, 51, 51], [0L], 2, 1, 2, ["x"]);

        var (mean, std) = BatchLoader.ComputeStatistics(data);

        Assert.Equal(0.5f, mean[0], 5);
        Assert.Equal(0.5f, std[0], 5);
        Assert.Equal(0.2f, mean[1], 5);
        Assert.Equal(0f, std[1], 5);
    }

    public static TheoryData<BatchLoaderOptions, string> BadOptions => new()
    {
        { new BatchLoaderOptions { BatchSize = 0 }, "BatchSize must be at least 1" },
        { new BatchLoaderOptions { RandomCropPadding = -1 }, "RandomCropPadding" },
        { new BatchLoaderOptions { TargetSize = 0 }, "TargetSize" },
        { new BatchLoaderOptions { TargetChannels = 2 }, "TargetChannels must be 1 or 3" },
        { new BatchLoaderOptions { PrefetchBatches = 0 }, "PrefetchBatches" },
        { new BatchLoaderOptions { Mean = [0.5f] }, "Mean and Std must be given together" },
        { new BatchLoaderOptions { Mean = [0.1f, 0.2f], Std = [1f, 1f] }, "Mean has 2 values; expected 1 or 1" },
        { new BatchLoaderOptions { Mean = [0.1f], Std = [1f, 1f] }, "Std has 2 values; expected 1" },
        { new BatchLoaderOptions { Mean = [0.1f], Std = [0f] }, "Std[0] = 0 must be a positive finite number" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Invalid_options_are_refused_naming_the_setting(BatchLoaderOptions options, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new BatchLoader(Dataset(2), options));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(28, 32, ResizePolicy.Pad)]        // Fashion-MNIST in a 32x32 model: padded, so the device pads
    [InlineData(32, 32, ResizePolicy.CenterCrop)] // stored size: a frame of that size is untouched, others keep their aspect
    [InlineData(28, 64, ResizePolicy.CenterCrop)] // scaled square images
    [InlineData(32, 28, ResizePolicy.CenterCrop)]
    public void Resize_policy_for_a_data_set_is_what_the_loader_does(int size, int target, ResizePolicy expected)
    {
        Assert.Equal(expected, BatchLoader.ResizePolicyFor(Dataset(1, h: size, w: size), target));
    }

    [Fact]
    public void Resize_policy_of_a_fitted_data_set_is_the_readers_and_survives_a_subset()
    {
        var fitted = new ImageDataset("folder", new byte[2 * 28 * 28], [0, 0], 1, 28, 28, ["a"]) { FittedWith = ResizePolicy.CenterCrop };

        Assert.Equal(ResizePolicy.CenterCrop, BatchLoader.ResizePolicyFor(fitted.Subset([1]), 32));
    }
}
