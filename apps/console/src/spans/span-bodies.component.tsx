import type { SpanRecord, SpanRedactionMode } from '@switchyard/contracts';
import './spans.css';
import { JsonBlock } from '../ui/json-block.component';

const MODE_TEXT: Record<SpanRedactionMode, string> = {
  full: 'full: the request and response bodies were kept as sent.',
  hashed: 'hashed: the bodies were not kept, only SHA-256 hashes of them (identical prompts and answers still match).',
  'metadata-only': 'metadata-only: the bodies were not kept.',
};

function Body({ title, body, empty }: { title: string; body: unknown; empty: string }) {
  return (
    <>
      <h3>{title}</h3>
      {body === null || body === undefined ? (
        <p className="muted">{empty}</p>
      ) : (
        <JsonBlock className="span-body" label={title} value={body} />
      )}
    </>
  );
}

/** The bodies as the span's redaction mode (in force when it was written) allows. */
export function SpanBodies({ span }: { span: SpanRecord }) {
  const responseHash = typeof span.metadata?.['responseHash'] === 'string' ? span.metadata['responseHash'] : null;
  return (
    <>
      <p className="notice">
        <strong>Redaction mode</strong> {MODE_TEXT[span.redaction]}
      </p>
      {span.redaction === 'full' ? (
        <>
          <Body title="Request" body={span.requestBody} empty="No request body was recorded." />
          <Body title="Response" body={span.responseBody} empty={span.status === 'ok' ? 'No response body was recorded.' : 'No response: the call did not produce an answer.'} />
        </>
      ) : (
        span.redaction === 'hashed' && (
          <dl className="facts">
            <dt>Request SHA-256</dt>
            <dd>
              <code>{span.requestHash ?? '—'}</code>
            </dd>
            <dt>Response SHA-256</dt>
            <dd>
              <code>{responseHash ?? '— (no response)'}</code>
            </dd>
          </dl>
        )
      )}
    </>
  );
}
