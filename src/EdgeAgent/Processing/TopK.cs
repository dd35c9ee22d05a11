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
        // Ranked by logit, not by rounded probability: softmax is monotonic, but near-equal logits (a weak model,
        // an untrained one) round to equal float probabilities, and ranking those would pick the lowest index
        // where the host's argmax over logits picks the largest. Ties keep the lower index, as argmax does.
        var idx = new int[k];
        Array.Fill(idx, -1);
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (idx[k - 1] >= 0 && v <= logits[idx[k - 1]]) continue;
            int j = k - 1;
            while (j > 0 && (idx[j - 1] < 0 || logits[idx[j - 1]] < v))
            {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = i;
        }
        float max = logits[idx[0]];
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        var prob = new float[k];
        for (int j = 0; j < k; j++) prob[j] = (float)(Math.Exp(logits[idx[j]] - max) / sum);
        return (idx, prob);
    }
}
