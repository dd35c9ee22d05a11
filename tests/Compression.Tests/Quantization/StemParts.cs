using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// Edits of a QDQ model that put one part of its first Conv (the stem) back to float: its input Q/DQ, its weights and bias,
/// or its output activation's Q/DQ (with the absorbed Clip restored). Used to find which rounding costs accuracy.
/// </summary>
internal static class StemParts
{
    private static NodeProto Stem(ModelProto model) => model.Graph.Node.First(n => n.OpType == "Conv");

    /// <summary>The stem reads the graph input directly.</summary>
    public static ModelProto InputFloat(ModelProto quantized)
    {
        var model = quantized.Clone();
        Stem(model).Input[0] = model.Graph.Input[0].Name;
        return model;
    }

    /// <summary>The stem's weight and bias are the prepared float model's.</summary>
    public static ModelProto WeightsFloat(ModelProto quantized, ModelProto prepared)
    {
        var model = quantized.Clone();
        var stem = Stem(model);
        var floatStem = Stem(prepared);
        for (int i = 1; i < stem.Input.Count; i++)
        {
            var tensor = prepared.Graph.Initializer.First(t => t.Name == floatStem.Input[i]).Clone();
            tensor.Name = "float_" + tensor.Name;
            model.Graph.Initializer.Add(tensor);
            stem.Input[i] = tensor.Name;
        }
        return model;
    }

    /// <summary>The stem's output goes through the float model's Clip instead of its Q/DQ pair.</summary>
    public static ModelProto OutputFloat(ModelProto quantized, ModelProto prepared)
    {
        var model = quantized.Clone();
        var stem = Stem(model);
        string activated = stem.Output[0];
        var q = model.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == activated);
        var floatStem = Stem(prepared);
        var clip = prepared.Graph.Node.Single(n => n.Input.Count > 0 && n.Input[0] == floatStem.Output[0]);
        Assert.Equal("Clip", clip.OpType);
        stem.Output[0] = activated + "_before_clip";
        var restored = new NodeProto { OpType = "Clip", Name = "restored_stem_clip" };
        restored.Input.Add(stem.Output[0]);
        foreach (string bound in clip.Input.Skip(1))
        {
            var tensor = prepared.Graph.Initializer.First(t => t.Name == bound).Clone();
            tensor.Name = "restored_" + tensor.Name;
            model.Graph.Initializer.Add(tensor);
            restored.Input.Add(tensor.Name);
        }
        restored.Output.Add(activated);
        model.Graph.Node.Insert(model.Graph.Node.IndexOf(stem) + 1, restored);
        foreach (var dq in model.Graph.Node.Where(n => n.OpType == "DequantizeLinear" && n.Input[0] == q.Output[0]).ToList())
        {
            foreach (var node in model.Graph.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == dq.Output[0]) node.Input[i] = activated;
            model.Graph.Node.Remove(dq);
        }
        model.Graph.Node.Remove(q);
        return model;
    }

    /// <summary>Logits per input, unfused (ORT_DISABLE_ALL: Q/DQ run as float maths), one thread.</summary>
    public static List<float[]> Run(ModelProto model, IReadOnlyList<(float[] Data, long[] Shape, long[] Labels)> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var logits = new List<float[]>();
        foreach (var (data, shape, _) in inputs)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
            using var results = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
            logits.Add(results[0].GetTensorDataAsSpan<float>().ToArray());
        }
        return logits;
    }

    /// <summary>Top-1 against <paramref name="labels"/> and the logits' SQNR against <paramref name="reference"/> (dB).</summary>
    public static (double Top1, double Db) Score(List<float[]> logits, List<float[]> reference, long[] labels)
    {
        double signal = 0, noise = 0;
        int correct = 0;
        for (int i = 0; i < logits.Count; i++)
        {
            for (int k = 0; k < logits[i].Length; k++)
            {
                signal += reference[i][k] * (double)reference[i][k];
                double d = logits[i][k] - reference[i][k];
                noise += d * d;
            }
            if (Array.IndexOf(logits[i], logits[i].Max()) == labels[i]) correct++;
        }
        return (correct / (double)logits.Count, noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise));
    }
}
