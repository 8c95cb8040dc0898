/** A stable 32-bit hash of a span id: what spreads probes, and what a retried job recomputes the same. */
export function spanHash(spanId: string): number {
  let h = 0;
  for (let i = 0; i < spanId.length; i++) h = (Math.imul(h, 31) + spanId.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * The k models one call is probed on: a window over the list that starts at a place set by the span
 * id. Always the first k would leave every model past the k-th unexplored for good; the span id keeps
 * a retried job asking for the same probes.
 */
export function probeTargets(spanId: string, models: readonly string[], k: number): string[] {
  if (models.length <= k) return [...models];
  const start = spanHash(spanId) % models.length;
  return Array.from({ length: k }, (_, i) => models[(start + i) % models.length]);
}
