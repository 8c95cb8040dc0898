import { Link } from 'react-router';
import type { SpanRecord } from '@switchyard/contracts';
import { count, dateTime, ms, usd } from '../ui/format';

/** Where an internal call came from: a golden run's page, or the live span a shadow probe replayed. */
function RunLink({ span }: { span: SpanRecord }) {
  if (!span.runId) return null;
  if (span.origin === 'golden') return <> (run <Link to={`/runs/${encodeURIComponent(span.runId)}`}>{span.runId}</Link>)</>;
  if (span.origin === 'shadow') return <> (replays span <Link to={`/spans/${encodeURIComponent(span.runId)}`}>{span.runId}</Link>)</>;
  return <> (run {span.runId})</>;
}

function tokens(span: SpanRecord): string {
  if (span.inputTokens === null && span.outputTokens === null) return '—';
  const input = span.inputTokens === null ? '?' : count(span.inputTokens, 'token');
  const output = span.outputTokens === null ? '?' : count(span.outputTokens, 'token');
  return `${input} in, ${output} out${span.metadata?.['usageEstimated'] === true ? ' (estimated: the stream was cut off)' : ''}`;
}

export function SpanFacts({ span }: { span: SpanRecord }) {
  const cache = typeof span.metadata?.['cache'] === 'string' ? span.metadata['cache'] : null;
  const cacheSource = typeof span.metadata?.['cacheSourceSpanId'] === 'string' ? span.metadata['cacheSourceSpanId'] : null;
  return (
    <dl className="facts">
      <dt>Span id</dt>
      <dd>
        <code>{span.spanId}</code>
      </dd>
      <dt>Trace id</dt>
      <dd>
        <code>{span.traceId}</code>
        {span.parentSpanId && (
          <>
            {' '}
            (parent span <code>{span.parentSpanId}</code>)
          </>
        )}
      </dd>
      <dt>Started</dt>
      <dd>{dateTime(span.startedAt)}</dd>
      <dt>Operation</dt>
      <dd>
        {span.operation}
        {span.stream ? ', streamed' : ''}
      </dd>
      <dt>Workload</dt>
      <dd>{span.workload}</dd>
      <dt>Policy version</dt>
      <dd>{span.policyVersion === 'none' ? 'none (not routed)' : <Link to={`/policies/versions/${encodeURIComponent(span.policyVersion)}`}>{span.policyVersion}</Link>}</dd>
      <dt>Origin</dt>
      <dd>
        {span.origin}
        <RunLink span={span} />
      </dd>
      <dt>Status</dt>
      <dd>
        <span className={`status status-${span.status}`}>{span.status}</span> HTTP {span.httpStatus}
        {span.errorClass && (
          <>
            {' '}
            — {span.errorClass}
            {span.errorMessage ? `: ${span.errorMessage}` : ''}
          </>
        )}
      </dd>
      <dt>Latency</dt>
      <dd>{ms(span.latencyMs)}</dd>
      <dt>Time to first token</dt>
      <dd>{span.ttftMs === null ? '—' : ms(span.ttftMs)}</dd>
      <dt>Tokens</dt>
      <dd>{tokens(span)}</dd>
      <dt>Cost</dt>
      <dd>{span.costUsd === null ? '—' : `${usd(span.costUsd)} USD`}</dd>
      {span.finishReasons && (
        <>
          <dt>Finish reasons</dt>
          <dd>{span.finishReasons.join(', ')}</dd>
        </>
      )}
      {cache && (
        <>
          <dt>Cache</dt>
          <dd>
            {cache}
            {cacheSource && (
              <>
                {' '}
                (answer from span <Link to={`/spans/${encodeURIComponent(cacheSource)}`}>{cacheSource}</Link>)
              </>
            )}
          </dd>
        </>
      )}
      <dt>Tenant</dt>
      <dd>{span.tenant ?? '— (admin key or open auth)'}</dd>
      {span.virtualKeyId && (
        <>
          <dt>Virtual key</dt>
          <dd>
            <code>{span.virtualKeyId}</code>
          </dd>
        </>
      )}
    </dl>
  );
}
