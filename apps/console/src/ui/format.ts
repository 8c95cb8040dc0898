/** Formatting with units: every number the console shows says what it counts. */

/** A quality delta on the [0, 1] scale, as signed points: −0.004 → "−0.4 pts". */
export function points(delta: number, digits = 1): string {
  return `${signed((delta * 100).toFixed(digits))} pts`;
}

/** A quality level on the [0, 1] scale, as a percentage. */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** A relative change: −0.61 → "−61.0%". */
export function relative(value: number, digits = 1): string {
  return `${signed((value * 100).toFixed(digits))}%`;
}

/** USD with enough digits for per-request amounts. */
export function usd(value: number, signedValue = false): string {
  const abs = Math.abs(value);
  const digits = abs === 0 ? 2 : abs < 0.0001 ? 7 : abs < 0.01 ? 5 : abs < 1 ? 4 : 2;
  const text = `$${abs.toFixed(digits)}`;
  if (!signedValue) return value < 0 ? `−${text}` : text;
  return value < 0 ? `−${text}` : `+${text}`;
}

export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`;
}

export function count(value: number, unit: string, plural = `${unit}s`): string {
  return `${value.toLocaleString('en-US')} ${value === 1 ? unit : plural}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) + ' UTC';
}

function signed(text: string): string {
  if (text.startsWith('-')) return `−${text.slice(1)}`;
  return Number(text) === 0 ? text : `+${text}`;
}
