using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>Runs ONNX models in ONNX Runtime for tests and reads back ORT-optimised graphs.</summary>
internal static class OrtTestRunner
{
    public static float[] Run(ModelProto model, float[] input, long[] shape, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The graph ONNX Runtime produces at <paramref name="level"/> (written with OptimizedModelFilePath).</summary>
    public static GraphProto Optimized(ModelProto model, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ort-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
            using (new InferenceSession(model.ToByteArray(), options))
            {
            }
            return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static int Count(GraphProto graph, string opType) => graph.Node.Count(n => n.OpType == opType);

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    public static double ArgmaxAgreement(float[] a, float[] b, int classes)
    {
        int rows = a.Length / classes, same = 0;
        for (int r = 0; r < rows; r++)
        {
            if (Argmax(a.AsSpan(r * classes, classes)) == Argmax(b.AsSpan(r * classes, classes))) same++;
        }
        return same / (double)rows;
    }

    private static int Argmax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
