using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Export;

/// <summary>Small helpers to run a one-input, one-output classifier session on float arrays.</summary>
public static class OrtClassifier
{
    /// <summary>Runs the session's first input and output on an NCHW float buffer; returns the flat logits.</summary>
    public static float[] Run(InferenceSession session, float[] input, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(session);
        string inputName = session.InputNames[0];
        string outputName = session.OutputNames[0];
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// The fixed batch size of the session's input <paramref name="inputName"/> (its first input when null), or 0 when
    /// the batch dimension is dynamic. torch.onnx.export fixes it at 1 unless told otherwise.
    /// </summary>
    public static int FixedBatchSize(InferenceSession session, string? inputName = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        int[] dims = session.InputMetadata[inputName ?? session.InputNames[0]].Dimensions;
        return dims.Length > 0 && dims[0] > 0 ? dims[0] : 0;
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
