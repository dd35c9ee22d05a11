using System.Threading.Channels;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EdgeToolkit.Training.Data;

/// <summary>
/// Turns an <see cref="ImageDataset"/> into batches of whole tensors: float32 NCHW images (transformed
/// and normalised per <see cref="BatchLoaderOptions"/>) and int64 labels. Each batch is built from one
/// byte array and augmented as a batch (vectorised), while a background task prepares the next batches.
/// The same seed and epoch always give the same batches.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    /// <summary>Largest padding, in pixels per dimension, that is zero-padded rather than resized.</summary>
    public const int MaxPadPixels = 8;

    private readonly CancellationTokenSource _disposed = new();
    private readonly float[] _scale;
    private readonly float[] _shift;

    /// <summary>Creates a loader; validates <paramref name="options"/> against <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public BatchLoader(ImageDataset dataset, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(dataset);
        Dataset = dataset;
        Options = options;
        OutputChannels = options.TargetChannels ?? dataset.Channels;
        OutputHeight = options.TargetSize ?? dataset.Height;
        OutputWidth = options.TargetSize ?? dataset.Width;
        Adjustment = ChooseSizeAdjustment(dataset.Height, dataset.Width, OutputHeight, OutputWidth);
        // y = (pixel / 255 - mean) / std = pixel * scale + shift, per output channel.
        var mean = options.Mean ?? [0f];
        var std = options.Std ?? [1f];
        _scale = Enumerable.Range(0, OutputChannels).Select(i => 1f / (255f * std[std.Length == 1 ? 0 : i])).ToArray();
        _shift = Enumerable.Range(0, OutputChannels).Select(i => -mean[mean.Length == 1 ? 0 : i] / std[std.Length == 1 ? 0 : i]).ToArray();
        BatchesPerEpoch = options.DropLast ? dataset.Count / options.BatchSize : (dataset.Count + options.BatchSize - 1) / options.BatchSize;
    }

    /// <summary>The dataset batched.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>The options in force.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Channels of the yielded images.</summary>
    public int OutputChannels { get; }

    /// <summary>Height of the yielded images.</summary>
    public int OutputHeight { get; }

    /// <summary>Width of the yielded images.</summary>
    public int OutputWidth { get; }

    /// <summary>How images are brought to the output size.</summary>
    public SizeAdjustment Adjustment { get; }

    /// <summary>Batches per epoch (the last may be smaller unless <see cref="BatchLoaderOptions.DropLast"/>).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>
    /// Pad (centred, with zeros) when the target is larger by 1 to <see cref="MaxPadPixels"/> pixels in
    /// each dimension (28x28 to 32x32); resize bilinearly otherwise; nothing when sizes agree.
    /// </summary>
    public static SizeAdjustment ChooseSizeAdjustment(int height, int width, int targetHeight, int targetWidth)
    {
        if (height == targetHeight && width == targetWidth)
            return SizeAdjustment.None;
        int dh = targetHeight - height, dw = targetWidth - width;
        return dh is >= 0 and <= MaxPadPixels && dw is >= 0 and <= MaxPadPixels ? SizeAdjustment.Pad : SizeAdjustment.Resize;
    }

    /// <summary>
    /// The manifest resize policy that reproduces, for an image of any size, what training does to
    /// <paramref name="dataset"/> at <paramref name="targetSize"/>: the reader's own fitting (centre crop for image
    /// folders), else <see cref="ResizePolicy.Pad"/> when this loader pads (28x28 to 32x32), else
    /// <see cref="ResizePolicy.CenterCrop"/> (the stored images are square, so scaling them is a centre crop
    /// that keeps the aspect ratio, and a frame of the input size is left as it is).
    /// </summary>
    public static ResizePolicy ResizePolicyFor(ImageDataset dataset, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.FittedWith is { } fitted)
            return fitted;
        return ChooseSizeAdjustment(dataset.Height, dataset.Width, targetSize, targetSize) == SizeAdjustment.Pad ? ResizePolicy.Pad : ResizePolicy.CenterCrop;
    }

    /// <summary>
    /// Yields the batches of one epoch in order. The CALLER OWNS every yielded tensor and must dispose
    /// both (e.g. <c>using var images = batch.Images;</c>); they are created on the prefetch task and
    /// belong to no dispose scope. Stopping the enumeration early cancels the prefetch and frees what it
    /// had prepared; disposing the loader mid-epoch ends it with <see cref="ObjectDisposedException"/>. <paramref name="firstBatch"/> skips the batches before it without building them
    /// (resuming mid-epoch); the rest are identical to those of a full enumeration.
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(int epoch, int firstBatch = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        ArgumentOutOfRangeException.ThrowIfNegative(firstBatch);
        return Enumerate(epoch, firstBatch);
    }

    /// <summary>The image order of an epoch (identity when not shuffling).</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Options.Shuffle)
        {
            var rng = new Random(Mix(Options.Seed, epoch, -1));
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }

    /// <summary>
    /// Per-channel mean and (population) standard deviation of the pixels on the [0, 1] scale, for
    /// <see cref="BatchLoaderOptions.Mean"/>/<see cref="BatchLoaderOptions.Std"/>.
    /// </summary>
    public static (float[] Mean, float[] Std) ComputeStatistics(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int channels = dataset.Channels, plane = dataset.Height * dataset.Width;
        var sum = new long[channels];
        var squares = new long[channels];
        byte[] pixels = dataset.Pixels;
        for (long image = 0; image < dataset.Count; image++)
        {
            for (int c = 0; c < channels; c++)
            {
                long start = (image * channels + c) * plane;
                long s = 0, q = 0;
                for (long i = start; i < start + plane; i++)
                {
                    int v = pixels[i];
                    s += v;
                    q += v * v;
                }
                sum[c] += s;
                squares[c] += q;
            }
        }
        double n = Math.Max(1.0, (double)dataset.Count * plane);
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / n;
            double variance = Math.Max(0, squares[c] / n - m * m);
            mean[c] = (float)(m / 255.0);
            std[c] = (float)(Math.Sqrt(variance) / 255.0);
        }
        return (mean, std);
    }

    /// <summary>Stops any running prefetch.</summary>
    public void Dispose()
    {
        if (!_disposed.IsCancellationRequested)
            _disposed.Cancel();
    }

    private IEnumerable<(Tensor Images, Tensor Labels)> Enumerate(int epoch, int firstBatch)
    {
        int[] order = Order(epoch);
        var channel = Channel.CreateBounded<(Tensor Images, Tensor Labels)>(new BoundedChannelOptions(Options.PrefetchBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        var producer = Task.Run(() => ProduceAsync(order, epoch, firstBatch, channel.Writer, stop.Token));
        try
        {
            while (WaitForBatch(channel.Reader, stop.Token))
            {
                while (channel.Reader.TryRead(out var batch))
                {
                    if (_disposed.IsCancellationRequested)
                    {
                        batch.Images.Dispose();
                        batch.Labels.Dispose();
                        throw new ObjectDisposedException(nameof(BatchLoader), "the BatchLoader was disposed during an epoch");
                    }
                    yield return batch;
                }
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
            while (channel.Reader.TryRead(out var left))
            {
                left.Images.Dispose();
                left.Labels.Dispose();
            }
        }
    }

    private bool WaitForBatch(ChannelReader<(Tensor, Tensor)> reader, CancellationToken token)
    {
        try
        {
            return reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(BatchLoader), "the BatchLoader was disposed during an epoch");
        }
    }

    private async Task ProduceAsync(int[] order, int epoch, int firstBatch, ChannelWriter<(Tensor, Tensor)> writer, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            for (int b = firstBatch; b < BatchesPerEpoch && !token.IsCancellationRequested; b++)
            {
                int start = b * Options.BatchSize;
                int count = Math.Min(Options.BatchSize, order.Length - start);
                var batch = BuildBatch(order.AsSpan(start, count), new Random(Mix(Options.Seed, epoch, b)));
                try
                {
                    await writer.WriteAsync(batch, token).ConfigureAwait(false);
                }
                catch
                {
                    batch.Images.Dispose();
                    batch.Labels.Dispose();
                    throw;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        writer.TryComplete(error);
    }

    private (Tensor Images, Tensor Labels) BuildBatch(ReadOnlySpan<int> indices, Random rng)
    {
        int n = indices.Length, c = Dataset.Channels, h = Dataset.Height, w = Dataset.Width, imageBytes = Dataset.ImageBytes;
        var bytes = new byte[(long)n * imageBytes];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(Dataset.Pixels, (long)indices[i] * imageBytes, bytes, (long)i * imageBytes, imageBytes);
            labels[i] = Dataset.Labels[indices[i]];
        }

        using var scope = NewDisposeScope();
        // Geometry runs on bytes and on the source channels (1 to 3 is a broadcast at the end); only
        // resizing and grey conversion need floats. Scaling and normalisation are one multiply-add.
        Tensor x = tensor(bytes, [n, c, h, w], dtype: ScalarType.Byte);
        if (OutputChannels < c)
            x = (x.to_type(ScalarType.Float32) * tensor(new[] { 0.299f, 0.587f, 0.114f }).view(1, 3, 1, 1)).sum(1, keepdim: true);

        switch (Adjustment)
        {
            case SizeAdjustment.Pad:
                int top = (OutputHeight - h) / 2, left = (OutputWidth - w) / 2;
                x = F.pad(x, [left, OutputWidth - w - left, top, OutputHeight - h - top]);
                break;
            case SizeAdjustment.Resize:
                x = F.interpolate(x.to_type(ScalarType.Float32), size: [OutputHeight, OutputWidth], mode: InterpolationMode.Bilinear, align_corners: false);
                break;
        }

        int p = Options.RandomCropPadding;
        if (p > 0)
            x = RandomCrop(x, p, rng);

        if (Options.HorizontalFlip)
        {
            var flip = new bool[n];
            for (int i = 0; i < n; i++)
                flip[i] = rng.Next(2) == 1;
            x = where(tensor(flip).view(n, 1, 1, 1), x.flip(3), x);
        }

        x = x.to_type(ScalarType.Float32);
        x = HeldScalars.AddInPlace(x.mul(tensor(_scale).view(1, -1, 1, 1)), tensor(_shift).view(1, -1, 1, 1));
        if (x.shape[1] != OutputChannels)
            x = x.expand(n, OutputChannels, OutputHeight, OutputWidth);
        if (Options.RandomErasing > 0)
            x = x.contiguous().masked_fill_(ErasingMask(n, rng), HeldScalars.Zero);

        var images = x.contiguous().DetachFromDisposeScope();
        var labelTensor = tensor(labels, dtype: ScalarType.Int64).DetachFromDisposeScope();
        return (images, labelTensor);
    }

    /// <summary>
    /// torchvision's <c>RandomErasing.get_params</c> per image: with probability <see cref="BatchLoaderOptions.RandomErasing"/>, up to
    /// 10 tries at a rectangle of area 2-33 % and log-uniform aspect 0.3-3.3 that fits; a [n, 1, H, W] mask of the erased pixels.
    /// </summary>
    private Tensor ErasingMask(int n, Random rng)
    {
        int h = OutputHeight, w = OutputWidth;
        var mask = new bool[n * h * w];
        for (int i = 0; i < n; i++)
        {
            if (rng.NextDouble() >= Options.RandomErasing) continue;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double area = h * w * (0.02 + rng.NextDouble() * (0.33 - 0.02));
                double ratio = Math.Exp(Math.Log(0.3) + rng.NextDouble() * (Math.Log(3.3) - Math.Log(0.3)));
                int eh = (int)Math.Round(Math.Sqrt(area * ratio)), ew = (int)Math.Round(Math.Sqrt(area / ratio));
                if (eh < 1 || ew < 1 || eh >= h || ew >= w) continue;
                int top = rng.Next(h - eh + 1), left = rng.Next(w - ew + 1);
                for (int y = top; y < top + eh; y++)
                    Array.Fill(mask, true, (i * h + y) * w + left, ew);
                break;
            }
        }
        return tensor(mask, [n, 1, h, w]);
    }

    /// <summary>Zero-pads the batch by <paramref name="p"/> and gathers each sample's window at its own random offset.</summary>
    private Tensor RandomCrop(Tensor x, int p, Random rng)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        // Each sample's row and column indices into the padded batch (offset + position), computed here rather than as
        // tensor(offsets) + arange(...): that int64 add passes libtorch a temporary alpha Scalar, which a garbage
        // collection on another thread can free mid-call ("argument alpha must not be a floating point number", a CI
        // run of session 37 in this very line on the prefetch thread; docs/training.md, "Scalars held across libtorch calls").
        var rowIndex = new long[n * h];
        var colIndex = new long[n * w];
        for (int i = 0; i < n; i++)
        {
            int dy = rng.Next(2 * p + 1), dx = rng.Next(2 * p + 1);
            for (int y = 0; y < h; y++) rowIndex[i * h + y] = dy + y;
            for (int x0 = 0; x0 < w; x0++) colIndex[i * w + x0] = dx + x0;
        }
        var padded = F.pad(x, [p, p, p, p]);
        var rows = tensor(rowIndex).view(n, 1, h, 1).expand(n, c, h, w + 2 * p);
        var cropRows = padded.gather(2, rows);
        var cols = tensor(colIndex).view(n, 1, 1, w).expand(n, c, h, w);
        return cropRows.gather(3, cols);
    }

    /// <summary>A seed from (seed, epoch, batch) that does not depend on the process (unlike HashCode).</summary>
    private static int Mix(int seed, int epoch, int batch)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)batch * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}
