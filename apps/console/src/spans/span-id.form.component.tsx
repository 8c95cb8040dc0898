import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';

/** A known span id goes straight to its page; the API says if there is no such span. */
export function SpanIdForm() {
  const id = useId();
  const navigate = useNavigate();
  const [spanId, setSpanId] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wanted = spanId.trim().toLowerCase();
    if (wanted) void navigate(`/spans/${encodeURIComponent(wanted)}`);
  };
  return (
    <form className="inline" aria-label="Open a span by id" onSubmit={submit}>
      <div>
        <label htmlFor={id}>Span id</label>
        <input id={id} value={spanId} onChange={(e) => setSpanId(e.target.value)} placeholder="16 hex digits" spellCheck={false} autoComplete="off" />
      </div>
      <button type="submit" disabled={!spanId.trim()}>
        Open span
      </button>
    </form>
  );
}
