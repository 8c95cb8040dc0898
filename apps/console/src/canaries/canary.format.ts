/** A canary share as a percentage with only the digits it has: 0.05 → "5%", 0.025 → "2.5%", 1 → "100%". */
export function share(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}
