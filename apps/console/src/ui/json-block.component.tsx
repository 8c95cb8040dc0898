/**
 * A JSON value (or raw text) in a scrolling block. Focusable and named, so keyboard users can
 * scroll it and screen readers say what it holds.
 */
export function JsonBlock({ label, value, text, className }: { label: string; value?: unknown; text?: string; className?: string }) {
  return (
    <pre className={className ? `json ${className}` : 'json'} tabIndex={0} aria-label={label}>
      {text ?? JSON.stringify(value, null, 2)}
    </pre>
  );
}
