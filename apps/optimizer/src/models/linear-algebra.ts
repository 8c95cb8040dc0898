// Dense linear algebra for the small (p × p, p < 10) systems the models solve. Matrices are
// row-major Float64Arrays.

/** Cholesky factor L (lower) of a symmetric positive-definite matrix; throws when it is not. */
export function cholesky(a: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j];
      for (let k = 0; k < j; k++) sum -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('cholesky: matrix is not positive definite');
        l[i * p + i] = Math.sqrt(sum);
      } else l[i * p + j] = sum / l[j * p + j];
    }
  }
  return l;
}

/** Solves L Lᵀ x = b. */
export function choleskySolve(l: Float64Array, p: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * p + k] * y[k];
    y[i] = sum / l[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i] * x[k];
    x[i] = sum / l[i * p + i];
  }
  return x;
}

/** xᵀ A⁻¹ x, from A's Cholesky factor. */
export function inverseQuadraticForm(l: Float64Array, p: number, x: ArrayLike<number>): number {
  const solved = choleskySolve(l, p, x);
  let sum = 0;
  for (let i = 0; i < p; i++) sum += x[i] * solved[i];
  return sum;
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
