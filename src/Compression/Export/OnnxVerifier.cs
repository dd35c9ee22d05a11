using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Export;

/// <summary>Compares an ONNX model run by ONNX Runtime with the TorchSharp model it came from.</summary>
public static class OnnxVerifier
{
    private const int ChunkSize = 64;

    /// <summary>
    /// Runs <paramref name="inputs"/> (NCHW float) through both models (the TorchSharp model must be in
    /// eval mode) and reports the largest logit difference and the number of changed predictions. An image's logits
    /// may differ by <paramref name="tolerance"/> + <paramref name="relativeTolerance"/> x its largest |logit|: float32
    /// rounding grows with the scale the network computes at.
    /// </summary>
    public static ExportVerification Compare(nn.Module<Tensor, Tensor> model, InferenceSession session, Tensor inputs, string label, double tolerance,
        double relativeTolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.dim() != 4)
            throw new ArgumentException($"verification inputs must be NCHW (4 dimensions) but have shape [{string.Join(", ", inputs.shape)}]", nameof(inputs));
        long n = inputs.shape[0];
        double maxDiff = 0, maxLogit = 0;
        int mismatches = 0;
        bool within = true;
        for (long start = 0; start < n; start += ChunkSize)
        {
            using var scope = torch.NewDisposeScope();
            long count = Math.Min(ChunkSize, n - start);
            var chunk = inputs.narrow(0, start, count).to(ScalarType.Float32).contiguous();
            float[] expected;
            using (torch.no_grad())
                expected = model.call(chunk).to(ScalarType.Float32).contiguous().data<float>().ToArray();
            float[] actual = OrtClassifier.Run(session, chunk.data<float>().ToArray(), chunk.shape);
            if (actual.Length != expected.Length)
                throw new OnnxExportException($"{label} verification: ONNX Runtime returned {actual.Length} logits, TorchSharp {expected.Length}");
            int classes = expected.Length / (int)count;
            for (int i = 0; i < count; i++)
            {
                var e = expected.AsSpan(i * classes, classes);
                var a = actual.AsSpan(i * classes, classes);
                double imageDiff = 0, imageScale = 0;
                for (int k = 0; k < classes; k++)
                {
                    double d = Math.Abs((double)e[k] - a[k]);
                    if (double.IsNaN(d)) d = double.PositiveInfinity;
                    imageDiff = Math.Max(imageDiff, d);
                    imageScale = Math.Max(imageScale, Math.Abs(e[k]));
                }
                within &= imageDiff <= tolerance + relativeTolerance * imageScale;
                maxDiff = Math.Max(maxDiff, imageDiff);
                maxLogit = Math.Max(maxLogit, imageScale);
                if (OrtClassifier.ArgMax(e) != OrtClassifier.ArgMax(a)) mismatches++;
            }
        }
        return new ExportVerification(label, (int)n, maxDiff, mismatches, tolerance, relativeTolerance, maxLogit, within);
    }
}
