/**
 * Sufficient statistics of a weighted least-squares fit: XᵀWX, XᵀWy and the moments of y. Rows
 * are added one at a time and accumulators add up, so a fit over a million rows holds p² numbers,
 * never the rows. The first column of X must be the intercept (1): XᵀW1 is then XᵀWX's first column.
 */
export class RegressionAccumulator {
  readonly xtx: Float64Array;
  readonly xty: Float64Array;
  /** Rows added. */
  n = 0;
  sumW = 0;
  sumWY = 0;
  sumWY2 = 0;

  constructor(readonly p: number) {
    this.xtx = new Float64Array(p * p);
    this.xty = new Float64Array(p);
  }

  add(x: ArrayLike<number>, y: number, w = 1): void {
    const p = this.p;
    for (let i = 0; i < p; i++) {
      const wxi = w * x[i];
      this.xty[i] += wxi * y;
      for (let j = 0; j <= i; j++) this.xtx[i * p + j] += wxi * x[j];
    }
    this.n++;
    this.sumW += w;
    this.sumWY += w * y;
    this.sumWY2 += w * y * y;
  }

  /**
   * Adds `other` as if each of its rows had its weight times `weight` and its y mapped to
   * `a + b·y` (a calibration): every statistic is linear in those, so this is exact.
   */
  addScaled(other: RegressionAccumulator, weight = 1, a = 0, b = 1): void {
    const p = this.p;
    for (let i = 0; i < p; i++) {
      // XᵀW(a + b y) = a XᵀW1 + b XᵀWy; XᵀW1 is the intercept column.
      this.xty[i] += weight * (a * other.sym(i, 0) + b * other.xty[i]);
      for (let j = 0; j <= i; j++) this.xtx[i * p + j] += weight * other.xtx[i * p + j];
    }
    this.n += other.n;
    this.sumW += weight * other.sumW;
    this.sumWY += weight * (a * other.sumW + b * other.sumWY);
    this.sumWY2 += weight * (a * a * other.sumW + 2 * a * b * other.sumWY + b * b * other.sumWY2);
  }

  /** Subtracts `other`, which must have been added into this one: a leave-one-group-out total. */
  minus(other: RegressionAccumulator): RegressionAccumulator {
    const out = new RegressionAccumulator(this.p);
    out.addScaled(this);
    out.addScaled(other, -1);
    out.n = this.n - other.n;
    return out;
  }

  /** XᵀWX as a full symmetric matrix (only the lower triangle is accumulated). */
  matrix(): Float64Array {
    const p = this.p;
    const m = new Float64Array(p * p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) m[i * p + j] = this.sym(i, j);
    return m;
  }

  /** The weighted mean feature vector. */
  meanX(): Float64Array {
    const x = new Float64Array(this.p);
    for (let i = 0; i < this.p; i++) x[i] = this.sumW > 0 ? this.sym(i, 0) / this.sumW : 0;
    return x;
  }

  meanY(): number {
    return this.sumW > 0 ? this.sumWY / this.sumW : Number.NaN;
  }

  private sym(i: number, j: number): number {
    return i >= j ? this.xtx[i * this.p + j] : this.xtx[j * this.p + i];
  }
}
