using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// Tensor arithmetic whose <see cref="Scalar"/> arguments stay alive until libtorch returns.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns a .NET number into a native <see cref="Scalar"/> (an object with a finalizer) and
/// hands libtorch only its raw handle. Once the handle is read the object is unreachable, so a garbage
/// collection started by another thread (the batch prefetch, a logger, a parallel test) while the native call
/// runs can finalize it and free the native scalar under libtorch's feet: libtorch then reads a freed
/// <c>c10::Scalar</c> whose tag is garbage. That is the rare "For integral input tensors, argument alpha must
/// not be a floating point number" in <c>BatchNorm.forward</c> (its <c>num_batches_tracked.add_(1)</c> makes two
/// such temporaries per call) and "Unknown scalar type"; a loop of that <c>add_(1)</c> with a thread calling
/// <c>GC.Collect</c> fails within a second. Every implicit conversion (<c>t.add_(u)</c>, <c>t * 0.5</c>,
/// <c>t / T</c>) has the hazard, so the training hot path uses these helpers instead: constants live in static
/// fields, other values in a <c>using</c> that outlives the call. See docs/training.md. The library assemblies
/// (Training, Compression, Preprocessing) and the test projects hold no such temporary anywhere: tests read their IL
/// and fail on a call that makes one (<c>ScalarTemporariesTests</c>), so code outside Training uses these helpers too.
/// </remarks>
public static class HeldScalars
{
    /// <summary>The integer 1, a valid <c>alpha</c> for every dtype; never finalized (a static root).</summary>
    public static Scalar One { get; } = 1L.ToScalar();

    /// <summary>The number 0.0 (a fill value); never finalized.</summary>
    public static Scalar Zero { get; } = 0.0.ToScalar();

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a + value</c>.</summary>
    public static Tensor Add(Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add(s, One);
    }

    /// <summary><c>a += b</c>, in place; returns <paramref name="a"/>.</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a += alpha * b</c>, in place; returns <paramref name="a"/>.</summary>
    public static Tensor AddScaledInPlace(Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add_(b, s);
    }

    /// <summary><c>a * value</c>.</summary>
    public static Tensor Multiply(Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a * value</c> for an integral tensor (the scalar stays integral).</summary>
    public static Tensor Multiply(Tensor a, long value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a *= value</c>, in place; returns <paramref name="a"/>.</summary>
    public static Tensor MultiplyInPlace(Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul_(s);
    }

    /// <summary><c>a / value</c>.</summary>
    public static Tensor Divide(Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.div(s);
    }

    /// <summary>Fills <paramref name="a"/> with <paramref name="value"/>, in place; returns <paramref name="a"/>.</summary>
    public static Tensor Fill(Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.fill_(s);
    }

    /// <summary>Fills an integral tensor with <paramref name="value"/> (the scalar stays integral), in place; returns <paramref name="a"/>.</summary>
    public static Tensor Fill(Tensor a, long value)
    {
        using var s = value.ToScalar();
        return a.fill_(s);
    }
}
