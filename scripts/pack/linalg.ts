/** Small dense linear algebra in float64 for building closed-form weights. */

/** Inverse of a small square matrix (Gauss-Jordan with partial pivoting). */
export function invert(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    if (Math.abs(piv) < 1e-12) throw new Error('singular matrix');
    for (let j = 0; j < 2 * n; j++) m[c]![j] = m[c]![j]! / piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) m[r]![j] = m[r]![j]! - f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

export function transpose(a: readonly (readonly number[])[]): number[][] {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

export function matmul(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const bt = transpose(b);
  return a.map((row) => bt.map((col) => row.reduce((s, v, k) => s + v * col[k]!, 0)));
}

/** Moore-Penrose pseudo-inverse of a full-column-rank matrix: (A^T A)^-1 A^T. */
export function pinvColumns(a: readonly (readonly number[])[]): number[][] {
  const at = transpose(a);
  return matmul(invert(matmul(at, a)), at);
}

/** Row-major flattening of a matrix into float32. */
export const flat = (a: readonly (readonly number[])[]): Float32Array => Float32Array.from(a.flat());
