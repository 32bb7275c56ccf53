using MathNet.Numerics.LinearAlgebra;

namespace ChatAgent.Shop.Recommendations;

/// <summary>
/// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): an item-to-item weight matrix B learned in closed form
/// from the customer × product purchase matrix X, B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, zero diagonal.
/// A customer's score for product j is Σ over the products i they bought of B[i, j]; unlike item-kNN the weights are
/// fitted jointly, so popular products that co-occur with everything do not drown the specific companions. Kept to
/// the most-bought products (the inverse is cubic in their number).
/// </summary>
internal sealed class EaseModel
{
    private readonly int[] _columnOf;
    private readonly int[] _itemOf;
    private readonly float[] _weights;

    private EaseModel(int[] columnOf, int[] itemOf, float[] weights)
    {
        _columnOf = columnOf;
        _itemOf = itemOf;
        _weights = weights;
    }

    /// <summary>Products the matrix covers.</summary>
    public int Size => _itemOf.Length;

    /// <summary>Learns B from each customer's set of products (item indexes below <paramref name="itemCount"/>).</summary>
    public static EaseModel? Build(IReadOnlyList<int[]> customers, int itemCount, int maxItems, double lambda)
    {
        var buyers = new int[itemCount];
        foreach (var set in customers)
        {
            foreach (var i in set)
            {
                buyers[i]++;
            }
        }
        var kept = Enumerable.Range(0, itemCount).Where(i => buyers[i] >= 2).OrderByDescending(i => buyers[i]).Take(maxItems).ToArray();
        if (kept.Length < 2)
        {
            return null;
        }
        var columnOf = Enumerable.Repeat(-1, itemCount).ToArray();
        for (var c = 0; c < kept.Length; c++)
        {
            columnOf[kept[c]] = c;
        }
        var m = kept.Length;
        var gram = new double[m * m];
        var columns = new List<int>(64);
        foreach (var set in customers)
        {
            columns.Clear();
            foreach (var i in set)
            {
                if (columnOf[i] >= 0)
                {
                    columns.Add(columnOf[i]);
                }
            }
            foreach (var a in columns)
            {
                var row = a * m;
                foreach (var b in columns)
                {
                    gram[row + b] += 1;
                }
            }
        }
        for (var c = 0; c < m; c++)
        {
            gram[c * m + c] += lambda;
        }
        // Symmetric positive definite: Cholesky solves against the identity for the inverse.
        var g = Matrix<double>.Build.Dense(m, m, gram);
        var p = g.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(m));
        var weights = new float[m * m];
        for (var j = 0; j < m; j++)
        {
            var pjj = p[j, j];
            for (var i = 0; i < m; i++)
            {
                weights[i * m + j] = i == j ? 0f : (float)(-p[i, j] / pjj);
            }
        }
        return new EaseModel(columnOf, kept, weights);
    }

    /// <summary>
    /// Adds the customer's scores to <paramref name="scores"/> (by item index) and records, per item, the bought
    /// product that contributed most (for the explanation) in <paramref name="anchor"/>.
    /// </summary>
    public void Score(IEnumerable<(int Item, double Weight)> history, Dictionary<int, double> scores, Dictionary<int, (int Anchor, double Best)> anchor)
    {
        var m = _itemOf.Length;
        var total = new double[m];
        var best = new double[m];
        var bestOf = new int[m];
        Array.Fill(bestOf, -1);
        foreach (var (item, weight) in history)
        {
            var c = _columnOf[item];
            if (c < 0)
            {
                continue;
            }
            var row = _weights.AsSpan(c * m, m);
            for (var j = 0; j < m; j++)
            {
                var w = row[j] * weight;
                total[j] += w;
                if (w > best[j])
                {
                    best[j] = w;
                    bestOf[j] = item;
                }
            }
        }
        for (var j = 0; j < m; j++)
        {
            if (total[j] > 0)
            {
                scores[_itemOf[j]] = total[j];
                if (bestOf[j] >= 0)
                {
                    anchor[_itemOf[j]] = (bestOf[j], best[j]);
                }
            }
        }
    }
}
