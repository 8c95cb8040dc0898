/**
 * Characters read from each end of a prompt's text for the code and script signals. The gateway
 * builds features on every request, before choosing a model, so the scan is bounded whatever the
 * prompt's size: a prompt's task sits at its ends (the system prompt and instructions first, the
 * question after any pasted material last), while the middle of a long prompt is mostly that material.
 */
export const SIGNAL_EDGE_CHARS = 1_024;

/**
 * The text the signals read: `pieces` joined by newlines when that is at most twice
 * SIGNAL_EDGE_CHARS long (`chars` is its length), else its first and last SIGNAL_EDGE_CHARS
 * characters. Copies at most that much, whatever the size of the pieces.
 */
export function edgeText(pieces: readonly string[], chars: number): string {
  if (chars <= 2 * SIGNAL_EDGE_CHARS) return pieces.join('\n');
  let head = '';
  for (const p of pieces) {
    if (head) head += '\n';
    head += p.slice(0, Math.max(0, SIGNAL_EDGE_CHARS - head.length));
    if (head.length >= SIGNAL_EDGE_CHARS) break;
  }
  let tail = '';
  for (let i = pieces.length - 1; i >= 0; i--) {
    const p = pieces[i];
    if (tail) tail = `\n${tail}`;
    tail = p.slice(Math.max(0, p.length - (SIGNAL_EDGE_CHARS - tail.length))) + tail;
    if (tail.length >= SIGNAL_EDGE_CHARS) break;
  }
  return `${head}\n${tail}`;
}

/**
 * Shapes that rarely occur in prose, one per alternative: a Markdown code fence; a C `#include`; a
 * Python `def name(...):`; a JavaScript `function name(...) {`; SQL `SELECT ... FROM` in upper case
 * (lower-case "select ... from" is ordinary English); an arrow function's `) =>`; a C-family `};`
 * ending a line. No leading `\b` or `^`: with them the scan took about twice as long.
 */
const CODE_SHAPES = /```|#include\s*[<"]|def \w+\([^)\n]*\)[^:\n]*:|function\s*\w*\s*\([^)\n]*\)\s*\{|SELECT\s[^;]{1,200}?\sFROM\b|\)\s*=>|\};[ \t\r]*(?:\n|$)/;

/** Whether the text shows code, by CODE_SHAPES. */
export const hasCodeShape = (text: string): boolean => CODE_SHAPES.test(text);

const NOT_LETTER = 0;
const LATIN_LETTER = 1;
const OTHER_LETTER = 2;
const LETTER = /^\p{L}$/u;
const LATIN = /^\p{Script=Latin}$/u;
const letterKind = (ch: string): number => (LETTER.test(ch) ? (LATIN.test(ch) ? LATIN_LETTER : OTHER_LETTER) : NOT_LETTER);

// The kind of every BMP code unit, built once at load (some milliseconds), so a request's scan is a
// table lookup per character instead of a Unicode property test.
const BMP_KIND = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) BMP_KIND[c] = letterKind(String.fromCharCode(c));

/** Positions the script share reads, spread evenly over the text: enough for a share within a few points. */
const SHARE_POSITIONS = 512;

/**
 * The share of the text's letters (`\p{L}`) that are not in the Latin script, in [0, 1]; 0 when it
 * has no letters. Exact up to SHARE_POSITIONS characters; a longer text is read every
 * `length / SHARE_POSITIONS` characters, which bounds the cost at about that many table lookups. A
 * character beyond the BMP (a surrogate pair) is read at its first half; emoji are not letters.
 */
export function nonLatinShareOf(text: string): number {
  const step = Math.max(1, Math.floor(text.length / SHARE_POSITIONS));
  let letters = 0;
  let other = 0;
  for (let i = 0; i < text.length; i += step) {
    const c = text.charCodeAt(i);
    let kind = BMP_KIND[c];
    if (c >= 0xd800 && c <= 0xdbff) {
      const cp = text.codePointAt(i) ?? c;
      // U+1F000–U+1FBFF (emoji and other symbols) holds no letters: skip the property test for them.
      kind = cp <= 0xffff || (cp >= 0x1f000 && cp <= 0x1fbff) ? NOT_LETTER : letterKind(String.fromCodePoint(cp));
    }
    if (kind !== NOT_LETTER) {
      letters++;
      if (kind === OTHER_LETTER) other++;
    }
  }
  return letters === 0 ? 0 : other / letters;
}
