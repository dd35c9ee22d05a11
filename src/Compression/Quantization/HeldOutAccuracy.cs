using EdgeToolkit.Compression.Export;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Top-1 of a model on held-out labelled batches, run by ONNX Runtime at <c>ORT_ENABLE_ALL</c> as the device runs it.
/// A model with a fixed batch size (torch.onnx.export writes batch 1 unless told otherwise) gets the batches in
/// pieces of that size, as calibration does.
/// </summary>
internal static class HeldOutAccuracy
{
    public static double Top1(ModelProto model, IReadOnlyList<LabeledBatch> batches)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        int fixedBatch = OrtClassifier.FixedBatchSize(session);
        long correct = 0, total = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            if (batch.Shape.Length < 1 || batch.Labels.Length != batch.Shape[0])
                throw new QuantizationException($"held-out batch {b}: {batch.Labels.Length} labels for shape [{string.Join(", ", batch.Shape)}]");
            int count = batch.Labels.Length;
            int chunk = fixedBatch > 0 ? fixedBatch : count;
            if (count % chunk != 0)
                throw new QuantizationException($"held-out batch {b}: {count} images do not divide into the model's fixed batch size {fixedBatch} (input '{session.InputNames[0]}')");
            int sampleSize = batch.Data.Length / count;
            for (int start = 0; start < count; start += chunk)
            {
                long[] shape = (long[])batch.Shape.Clone();
                shape[0] = chunk;
                float[] logits = OrtClassifier.Run(session, batch.Data.AsSpan(start * sampleSize, chunk * sampleSize).ToArray(), shape);
                int classes = logits.Length / chunk;
                for (int i = 0; i < chunk; i++)
                {
                    if (OrtClassifier.ArgMax(logits.AsSpan(i * classes, classes)) == batch.Labels[start + i]) correct++;
                }
            }
            total += count;
        }
        if (total == 0) throw new QuantizationException("held-out data for the accuracy check is empty");
        return (double)correct / total;
    }
}
