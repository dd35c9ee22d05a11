using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// Training-mode batch normalisation over a contiguous float32 NCHW tensor, optionally fused with the ReLU that
/// follows it: the forward (batch statistics, normalisation) and the backward (input, scale and shift gradients) of
/// <c>relu(batch_norm(x))</c>, one channel at a time.
/// </summary>
/// <remarks>
/// Why not libtorch's own kernel: in libtorch 2.10 a contiguous NCHW batch norm gathers its statistics in a scalar loop
/// accumulating in double (two passes over the whole tensor, no SIMD: 9 % of a MobileNet v1 training step in
/// <c>perf</c>), normalises in a third pass, and its backward reduces each (image, channel) plane with a vectorised call
/// whose per-call cost dominates on the 2x2 and 4x4 maps of MobileNet's last layers (12 % of a step); the ReLU after
/// it reads and writes the whole activation twice more (forward and backward). Here each channel's planes are read
/// for the statistics and read again for the output while they are still in the core's cache, and the ReLU's mask is
/// recomputed from the input in the backward (the same float operations as the forward, so the same decision), so the
/// activation crosses memory about half as often. Statistics are summed per plane in float vectors, shifted by the
/// channel's first value (so the variance does not cancel when the mean is large against the spread), and across
/// planes in double. The result matches libtorch's to float rounding (tests compare both with float64).
/// Channels are split into one contiguous range per thread; each channel is reduced by one thread in a fixed order,
/// so the result does not depend on the thread count.
/// </remarks>
internal static unsafe class BatchNormKernel
{
    /// <summary>
    /// Forward: writes <paramref name="y"/>, the batch mean and 1/sqrt(var + eps) of each channel (what the backward
    /// needs) and the unbiased batch variance (what the running variance takes).
    /// </summary>
    public static void Forward(float* x, float* y, int images, int channels, int planeSize, float* weight, float* bias,
        double eps, bool relu, float* mean, float* invStd, float* unbiasedVariance, int threads)
    {
        var job = new ForwardJob(x, y, images, channels, planeSize, weight, bias, eps, relu, mean, invStd, unbiasedVariance);
        ForEachChannelRange(channels, threads, (from, to) => job.Run(from, to));
    }

    /// <summary>Backward: writes the input gradient and the gradients of the scale (weight) and shift (bias).</summary>
    public static void Backward(float* gradOutput, float* x, float* gradInput, int images, int channels, int planeSize,
        float* weight, float* bias, float* mean, float* invStd, bool relu, float* gradWeight, float* gradBias, int threads)
    {
        var job = new BackwardJob(gradOutput, x, gradInput, images, channels, planeSize, weight, bias, mean, invStd, relu, gradWeight, gradBias);
        ForEachChannelRange(channels, threads, (from, to) => job.Run(from, to));
    }

    private static void ForEachChannelRange(int channels, int threads, Action<int, int> body)
    {
        int parts = Math.Clamp(threads, 1, channels);
        if (parts == 1)
        {
            body(0, channels);
            return;
        }
        OpenMpTeam.Run(parts, part => body((int)((long)channels * part / parts), (int)((long)channels * (part + 1) / parts)));
    }

    // y = x * scale + shift: written as a multiply then an add (never fused), in the vector and the scalar loop alike,
    // so the backward's recomputed ReLU mask is bit for bit the forward's.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Affine(Vector<float> x, Vector<float> scale, Vector<float> shift) => x * scale + shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Affine(Vector128<float> x, Vector128<float> scale, Vector128<float> shift) => x * scale + shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Affine(float x, float scale, float shift) => x * scale + shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* p, Vector<float> v) => Unsafe.WriteUnaligned(p, v);

    // Planes this small (7x7 and below) are visited image by image across the channel range, which reads memory in
    // order; larger ones channel by channel, so a channel's planes are still in cache for the second pass.
    private const int SmallPlane = 64;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Moments(float* p, int size, float pivot, ref double sum, ref double sumOfSquares)
    {
        int width = Vector<float>.Count, i = 0;
        float ts = 0, tq = 0;
        if (size >= width)
        {
            var pivotVector = new Vector<float>(pivot);
            var s = Vector<float>.Zero;
            var q = Vector<float>.Zero;
            for (; i <= size - width; i += width)
            {
                var d = Load(p + i) - pivotVector;
                s += d;
                q += d * d;
            }
            ts = Vector.Sum(s);
            tq = Vector.Sum(q);
        }
        if (size - i >= 4)
        {
            var d = Vector128.Load(p + i) - Vector128.Create(pivot);
            ts += Vector128.Sum(d);
            tq += Vector128.Sum(d * d);
            i += 4;
        }
        for (; i < size; i++)
        {
            float d = p[i] - pivot;
            ts += d;
            tq += d * d;
        }
        sum += ts;
        sumOfSquares += tq;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize(float* p, float* o, int size, float scale, float shift, bool relu)
    {
        int width = Vector<float>.Count, i = 0;
        var scaleVector = new Vector<float>(scale);
        var shiftVector = new Vector<float>(shift);
        if (relu)
        {
            for (; i <= size - width; i += width)
                Store(o + i, Vector.Max(Affine(Load(p + i), scaleVector, shiftVector), Vector<float>.Zero));
            if (size - i >= 4)
            {
                Vector128.Max(Affine(Vector128.Load(p + i), scaleVector.AsVector128(), shiftVector.AsVector128()), Vector128<float>.Zero).Store(o + i);
                i += 4;
            }
            for (; i < size; i++)
                o[i] = Math.Max(Affine(p[i], scale, shift), 0f);
        }
        else
        {
            for (; i <= size - width; i += width)
                Store(o + i, Affine(Load(p + i), scaleVector, shiftVector));
            if (size - i >= 4)
            {
                Affine(Vector128.Load(p + i), scaleVector.AsVector128(), shiftVector.AsVector128()).Store(o + i);
                i += 4;
            }
            for (; i < size; i++)
                o[i] = Affine(p[i], scale, shift);
        }
    }

    // The output gradient, zero where the forward's ReLU was: x * scale + shift recomputed exactly as Normalize did.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Masked(Vector<float> g, Vector<float> x, Vector<float> scale, Vector<float> shift) =>
        Vector.ConditionalSelect(Vector.GreaterThan(Affine(x, scale, shift), Vector<float>.Zero), g, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Masked(Vector128<float> g, Vector128<float> x, Vector128<float> scale, Vector128<float> shift) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(Affine(x, scale, shift), Vector128<float>.Zero), g, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Masked(float g, float x, float scale, float shift) => Affine(x, scale, shift) > 0f ? g : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientSums(float* xp, float* dyp, int size, in Channel ch, bool relu, ref double sum, ref double dot)
    {
        int width = Vector<float>.Count, i = 0;
        float ts = 0, td = 0;
        if (size >= width)
        {
            var scaleVector = new Vector<float>(ch.Scale);
            var shiftVector = new Vector<float>(ch.Shift);
            var meanVector = new Vector<float>(ch.Mean);
            var s = Vector<float>.Zero;
            var d = Vector<float>.Zero;
            for (; i <= size - width; i += width)
            {
                var xv = Load(xp + i);
                var g = Load(dyp + i);
                if (relu) g = Masked(g, xv, scaleVector, shiftVector);
                s += g;
                d += (xv - meanVector) * g;
            }
            ts = Vector.Sum(s);
            td = Vector.Sum(d);
        }
        if (size - i >= 4)
        {
            var xv = Vector128.Load(xp + i);
            var g = Vector128.Load(dyp + i);
            if (relu) g = Masked(g, xv, Vector128.Create(ch.Scale), Vector128.Create(ch.Shift));
            ts += Vector128.Sum(g);
            td += Vector128.Sum((xv - Vector128.Create(ch.Mean)) * g);
            i += 4;
        }
        for (; i < size; i++)
        {
            float g = relu ? Masked(dyp[i], xp[i], ch.Scale, ch.Shift) : dyp[i];
            ts += g;
            td += (xp[i] - ch.Mean) * g;
        }
        sum += ts;
        dot += td;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputGradient(float* xp, float* dyp, float* dxp, int size, in Channel ch, bool relu)
    {
        int width = Vector<float>.Count, i = 0;
        var scaleVector = new Vector<float>(ch.Scale);
        var shiftVector = new Vector<float>(ch.Shift);
        var meanVector = new Vector<float>(ch.Mean);
        var gradMeanVector = new Vector<float>(ch.GradMean);
        var kVector = new Vector<float>(ch.K);
        var factorVector = new Vector<float>(ch.Factor);
        for (; i <= size - width; i += width)
        {
            var xv = Load(xp + i);
            var g = Load(dyp + i);
            if (relu) g = Masked(g, xv, scaleVector, shiftVector);
            Store(dxp + i, (g - gradMeanVector - (xv - meanVector) * kVector) * factorVector);
        }
        if (size - i >= 4)
        {
            var xv = Vector128.Load(xp + i);
            var g = Vector128.Load(dyp + i);
            if (relu) g = Masked(g, xv, scaleVector.AsVector128(), shiftVector.AsVector128());
            ((g - gradMeanVector.AsVector128() - (xv - meanVector.AsVector128()) * kVector.AsVector128()) * factorVector.AsVector128()).Store(dxp + i);
            i += 4;
        }
        for (; i < size; i++)
        {
            float g = relu ? Masked(dyp[i], xp[i], ch.Scale, ch.Shift) : dyp[i];
            dxp[i] = (g - ch.GradMean - (xp[i] - ch.Mean) * ch.K) * ch.Factor;
        }
    }

    /// <summary>One channel's constants: the affine map of the forward and, in the backward, dx's terms.</summary>
    private struct Channel
    {
        public float Mean, Scale, Shift, GradMean, K, Factor;
    }

    private readonly struct ForwardJob(float* x, float* y, int images, int channels, int planeSize, float* weight, float* bias,
        double eps, bool relu, float* mean, float* invStd, float* unbiasedVariance)
    {
        private readonly nint x = (nint)x, y = (nint)y, weight = (nint)weight, bias = (nint)bias;
        private readonly nint mean = (nint)mean, invStd = (nint)invStd, unbiasedVariance = (nint)unbiasedVariance;

        private float* Plane(nint data, int n, int c) => (float*)data + ((long)n * channels + c) * planeSize;

        public void Run(int from, int to)
        {
            int count = to - from;
            var sums = new double[2 * count];
            var channel = new Channel[count];
            if (planeSize >= SmallPlane)
            {
                for (int c = from; c < to; c++)
                {
                    float pivot = *Plane(x, 0, c);
                    for (int n = 0; n < images; n++) Moments(Plane(x, n, c), planeSize, pivot, ref sums[2 * (c - from)], ref sums[2 * (c - from) + 1]);
                    channel[c - from] = Finish(c, pivot, sums[2 * (c - from)], sums[2 * (c - from) + 1]);
                    for (int n = 0; n < images; n++) Normalize(Plane(x, n, c), Plane(y, n, c), planeSize, channel[c - from].Scale, channel[c - from].Shift, relu);
                }
                return;
            }
            var pivots = new float[count];
            for (int c = from; c < to; c++) pivots[c - from] = *Plane(x, 0, c);
            for (int n = 0; n < images; n++)
                for (int c = from; c < to; c++)
                    Moments(Plane(x, n, c), planeSize, pivots[c - from], ref sums[2 * (c - from)], ref sums[2 * (c - from) + 1]);
            for (int c = from; c < to; c++) channel[c - from] = Finish(c, pivots[c - from], sums[2 * (c - from)], sums[2 * (c - from) + 1]);
            for (int n = 0; n < images; n++)
                for (int c = from; c < to; c++)
                    Normalize(Plane(x, n, c), Plane(y, n, c), planeSize, channel[c - from].Scale, channel[c - from].Shift, relu);
        }

        // Sums of x - pivot and of its square -> mean, 1/sqrt(var + eps), unbiased variance, and the affine map.
        private Channel Finish(int c, float pivot, double sum, double sumOfSquares)
        {
            double count = (double)images * planeSize;
            double shiftedMean = sum / count;
            double variance = Math.Max(sumOfSquares / count - shiftedMean * shiftedMean, 0.0);
            float channelMean = (float)(pivot + shiftedMean);
            float inv = (float)(1.0 / Math.Sqrt(variance + eps));
            ((float*)mean)[c] = channelMean;
            ((float*)invStd)[c] = inv;
            ((float*)unbiasedVariance)[c] = (float)(count > 1 ? variance * count / (count - 1) : variance);
            float scale = ((float*)weight)[c] * inv;
            return new Channel { Mean = channelMean, Scale = scale, Shift = ((float*)bias)[c] - channelMean * scale };
        }
    }

    private readonly struct BackwardJob(float* gradOutput, float* x, float* gradInput, int images, int channels, int planeSize,
        float* weight, float* bias, float* mean, float* invStd, bool relu, float* gradWeight, float* gradBias)
    {
        private readonly nint gradOutput = (nint)gradOutput, x = (nint)x, gradInput = (nint)gradInput;
        private readonly nint weight = (nint)weight, bias = (nint)bias, mean = (nint)mean, invStd = (nint)invStd;
        private readonly nint gradWeight = (nint)gradWeight, gradBias = (nint)gradBias;

        private float* Plane(nint data, int n, int c) => (float*)data + ((long)n * channels + c) * planeSize;

        public void Run(int from, int to)
        {
            int count = to - from;
            var sums = new double[2 * count];
            var channel = new Channel[count];
            for (int c = from; c < to; c++) channel[c - from] = Start(c);
            if (planeSize >= SmallPlane)
            {
                for (int c = from; c < to; c++)
                {
                    ref var ch = ref channel[c - from];
                    for (int n = 0; n < images; n++) GradientSums(Plane(x, n, c), Plane(gradOutput, n, c), planeSize, ch, relu, ref sums[2 * (c - from)], ref sums[2 * (c - from) + 1]);
                    Finish(c, ref ch, sums[2 * (c - from)], sums[2 * (c - from) + 1]);
                    for (int n = 0; n < images; n++) InputGradient(Plane(x, n, c), Plane(gradOutput, n, c), Plane(gradInput, n, c), planeSize, ch, relu);
                }
                return;
            }
            for (int n = 0; n < images; n++)
                for (int c = from; c < to; c++)
                    GradientSums(Plane(x, n, c), Plane(gradOutput, n, c), planeSize, channel[c - from], relu, ref sums[2 * (c - from)], ref sums[2 * (c - from) + 1]);
            for (int c = from; c < to; c++) Finish(c, ref channel[c - from], sums[2 * (c - from)], sums[2 * (c - from) + 1]);
            for (int n = 0; n < images; n++)
                for (int c = from; c < to; c++)
                    InputGradient(Plane(x, n, c), Plane(gradOutput, n, c), Plane(gradInput, n, c), planeSize, channel[c - from], relu);
        }

        // The forward's affine map, from the saved mean and 1/std with the same float operations.
        private Channel Start(int c)
        {
            float channelMean = ((float*)mean)[c];
            float scale = ((float*)weight)[c] * ((float*)invStd)[c];
            return new Channel { Mean = channelMean, Scale = scale, Shift = ((float*)bias)[c] - channelMean * scale };
        }

        // sum(g) and sum((x - mean) g) -> the scale and shift gradients and dx = (g - mean(g) - (x - mean) k) invstd w.
        private void Finish(int c, ref Channel ch, double sum, double dot)
        {
            double count = (double)images * planeSize;
            float inv = ((float*)invStd)[c];
            ch.GradMean = (float)(sum / count);
            ch.K = (float)(dot * inv * inv / count);
            ch.Factor = inv * ((float*)weight)[c];
            ((float*)gradWeight)[c] = (float)(dot * inv);
            ((float*)gradBias)[c] = (float)sum;
        }
    }
}
