import { CholeskyDecomposition, Matrix } from 'ml-matrix';

// The small (p × p, p < 10) systems the quality model solves, on ml-matrix (the linear algebra
// ml-regression itself runs on). Matrices arrive as row-major Float64Arrays: that is how the
// streaming accumulators hold XᵀWX, since a million rows never sit in memory as a design matrix.

/** A symmetric positive-definite matrix, factored once, for solves and xᵀA⁻¹x. */
export class CholeskyFactor {
  private readonly decomposition: CholeskyDecomposition;

  constructor(a: Float64Array, readonly p: number) {
    const rows = Array.from({ length: p }, (_, i) => Array.from(a.subarray(i * p, (i + 1) * p)));
    this.decomposition = new CholeskyDecomposition(new Matrix(rows));
    if (!this.decomposition.isPositiveDefinite()) throw new RangeError('cholesky: matrix is not positive definite');
  }

  /** x such that A x = b. */
  solve(b: ArrayLike<number>): Float64Array {
    return Float64Array.from(this.decomposition.solve(Matrix.columnVector(Array.from(b))).getColumn(0));
  }

  /** xᵀ A⁻¹ x. */
  inverseQuadraticForm(x: ArrayLike<number>): number {
    return dot(x, this.solve(x));
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** xᵀ A x. */
export function quadraticForm(a: Float64Array, p: number, x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) sum += x[i] * a[i * p + j] * x[j];
  return sum;
}
