using EdgeToolkit.Compression.Export;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>Top-1 of a model on held-out labelled batches, run by ONNX Runtime at <c>ORT_ENABLE_ALL</c> as the device runs it.</summary>
internal static class HeldOutAccuracy
{
    public static double Top1(ModelProto model, IReadOnlyList<LabeledBatch> batches)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        long correct = 0, total = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            if (batch.Shape.Length < 1 || batch.Labels.Length != batch.Shape[0])
                throw new QuantizationException($"held-out batch {b}: {batch.Labels.Length} labels for shape [{string.Join(", ", batch.Shape)}]");
            float[] logits = OrtClassifier.Run(session, batch.Data, batch.Shape);
            int classes = logits.Length / batch.Labels.Length;
            for (int i = 0; i < batch.Labels.Length; i++)
            {
                if (OrtClassifier.ArgMax(logits.AsSpan(i * classes, classes)) == batch.Labels[i]) correct++;
            }
            total += batch.Labels.Length;
        }
        if (total == 0) throw new QuantizationException("held-out data for the accuracy check is empty");
        return (double)correct / total;
    }
}
