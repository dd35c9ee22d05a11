namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Softmax and top-k over logits.</summary>
public static class TopK
{
    /// <summary>Index of the first NaN or infinite logit, or null when all are finite (top-k needs finite logits).</summary>
    public static int? FirstNonFinite(ReadOnlySpan<float> logits)
    {
        for (int i = 0; i < logits.Length; i++)
        {
            if (!float.IsFinite(logits[i])) return i;
        }
        return null;
    }

    /// <summary>
    /// Returns the k most probable classes (index, probability), most probable first; softmax is numerically stable.
    /// Throws <see cref="ArgumentException"/> for a NaN or infinite logit (check with <see cref="FirstNonFinite"/>).
    /// </summary>
    public static (int[] Indices, float[] Probabilities) Compute(ReadOnlySpan<float> logits, int k)
    {
        if (FirstNonFinite(logits) is int bad)
            throw new ArgumentException($"logit {bad} is {logits[bad]}: top-k needs finite logits", nameof(logits));
        k = Math.Min(k, logits.Length);
        float max = float.NegativeInfinity;
        foreach (float v in logits) if (v > max) max = v;
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        var idx = new int[k];
        var prob = new float[k];
        Array.Fill(idx, -1);
        Array.Fill(prob, -1f);
        for (int i = 0; i < logits.Length; i++)
        {
            float p = (float)(Math.Exp(logits[i] - max) / sum);
            if (p <= prob[k - 1]) continue;
            int j = k - 1;
            while (j > 0 && prob[j - 1] < p)
            {
                prob[j] = prob[j - 1];
                idx[j] = idx[j - 1];
                j--;
            }
            prob[j] = p;
            idx[j] = i;
        }
        return (idx, prob);
    }
}
