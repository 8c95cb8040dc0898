/** A policy document as stored (defaults filled in), keys in their stored order. */
export function PolicyDocument({ document, label }: { document: Record<string, unknown>; label: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(document, null, 2)}
    </pre>
  );
}
