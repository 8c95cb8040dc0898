import type { JsonPatchOperation } from '@switchyard/contracts';
import { JsonBlock } from '../ui/json-block.component';

/** A JSON Pointer as the patch has it (escapes kept: `~1` is a `/` inside a key); '' is the whole document. */
function readablePath(pointer: string): string {
  return pointer === '' ? '(whole document)' : pointer;
}

function Operation({ operation }: { operation: JsonPatchOperation }) {
  switch (operation.op) {
    case 'add':
    case 'replace':
    case 'test':
      return (
        <>
          <strong>{operation.op}</strong> <code>{readablePath(operation.path)}</code>
          <JsonBlock label={`Value of ${operation.op} ${operation.path}`} value={operation.value} />
        </>
      );
    case 'remove':
      return (
        <>
          <strong>remove</strong> <code>{readablePath(operation.path)}</code>
        </>
      );
    case 'move':
    case 'copy':
      return (
        <>
          <strong>{operation.op}</strong> <code>{readablePath(operation.from)}</code> to <code>{readablePath(operation.path)}</code>
        </>
      );
  }
}

/** An RFC 6902 patch as a numbered list of operations, in the order they apply. */
export function JsonPatchList({ patch }: { patch: JsonPatchOperation[] }) {
  if (patch.length === 0) return <p className="muted">No operations: the two documents are the same.</p>;
  return (
    <ol className="json-patch" aria-label="JSON Patch operations">
      {patch.map((operation, i) => (
        <li key={i}>
          <Operation operation={operation} />
        </li>
      ))}
    </ol>
  );
}
