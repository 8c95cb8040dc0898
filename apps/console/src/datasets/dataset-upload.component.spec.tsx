import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AdminSession, SessionProvider } from '../auth/session.context';
import { DatasetUpload } from './dataset-upload.component';
import { issuesFromMessage } from './dataset-upload';

const session: AdminSession = { scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: null };

/** What the gateway's InvalidDatasetError sends for a file with two bad lines (message and issues alike). */
const REFUSAL = {
  error: {
    message: "The dataset was not stored: 2 invalid lines. line 3: not valid JSON: Unexpected token 'x', \"x\" is not valid JSON; line 5: missing 'input'.",
    type: 'invalid_request_error',
    code: 'invalid_dataset',
    param: null,
    issues: [
      { line: 3, reason: 'not valid JSON: Unexpected token \'x\', "x" is not valid JSON' },
      { line: 5, reason: "missing 'input'" },
    ],
    issue_count: 2,
  },
};

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The browser boundary: AdminApi.upload uses XMLHttpRequest for its progress events. */
function fakeXhr(answer: { status: number; body: unknown }, sent: Sent[]) {
  return class FakeXhr {
    status = 0;
    statusText = '';
    responseText = '';
    upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    private url = '';
    private headers: Record<string, string> = {};
    open(_method: string, url: string) {
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.headers[name] = value;
    }
    send(body: unknown) {
      sent.push({ url: this.url, headers: this.headers, body });
      setTimeout(() => {
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
        setTimeout(() => {
          this.upload.onprogress?.({ lengthComputable: true, loaded: 100, total: 100 });
          this.status = answer.status;
          this.statusText = answer.status === 422 ? 'Unprocessable Entity' : 'Created';
          this.responseText = JSON.stringify(answer.body);
          this.onload?.();
        }, 5);
      }, 5);
    }
  };
}

function renderUpload() {
  const router = createMemoryRouter([{ path: '/', element: <DatasetUpload /> }]);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider initial={{ key: 'sk-admin-test', session }} signedIn={<RouterProvider router={router} />} signedOut={<p>signed out</p>} />
    </QueryClientProvider>,
  );
}

describe('DatasetUpload', () => {
  const sent: Sent[] = [];
  beforeEach(() => {
    sent.length = 0;
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('names each bad line with its reason, exactly as the API returned them, for a dropped file', async () => {
    vi.stubGlobal('XMLHttpRequest', fakeXhr({ status: 422, body: REFUSAL }, sent));
    renderUpload();
    const file = new File(['{"input":"a"}\n{"input":"b"}\nx\n{"input":"d"}\n{"expected":"e"}\n'], 'Bad Lines.jsonl');
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file] } });
    expect(screen.getByLabelText<HTMLInputElement>('Dataset name').value).toBe('bad-lines');
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));

    const list = await screen.findByRole('region', { name: /2 invalid lines in Bad Lines\.jsonl/ });
    const items = within(list).getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual(['Line 3: not valid JSON: Unexpected token \'x\', "x" is not valid JSON', "Line 5: missing 'input'"]);
    expect(screen.getByRole('alert').textContent).toContain('HTTP 422, invalid_dataset');
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/admin/datasets/bad-lines/versions?format=jsonl');
    expect(sent[0].headers['content-type']).toBe('application/x-ndjson');
    expect(sent[0].headers.authorization).toBe('Bearer sk-admin-test');
  });

  it('shows progress while sending, then the stored version, for a file chosen with the keyboard path', async () => {
    const stored = { id: 'dv_1', dataset: 'arc', tenantId: null, version: 3, contentHash: 'abc', itemCount: 120, scorer: null, createdBy: 'admin', createdAt: '2026-11-23T05:00:00.000Z', created: true };
    vi.stubGlobal('XMLHttpRequest', fakeXhr({ status: 201, body: stored }, sent));
    renderUpload();
    const file = new File(['input,expected\nq,a\n'], 'arc.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Dataset file'), { target: { files: [file] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));

    const bar = await screen.findByRole('progressbar');
    await waitFor(() => expect(bar.getAttribute('aria-valuetext')).toBe('50% sent'));
    const link = await screen.findByRole('link', { name: 'arc version 3' });
    expect(link.getAttribute('href')).toBe('/datasets/arc');
    expect(link.parentElement?.textContent).toContain('120 items');
    expect(sent[0].url).toBe('/admin/datasets/arc/versions?format=csv');
    expect(sent[0].headers['content-type']).toBe('text/csv');
  });
});

describe('issuesFromMessage', () => {
  it('reads the issues back from the message, "and N more" included', () => {
    const found = issuesFromMessage("The dataset was not stored: 12 invalid lines. line 2: missing 'input'; line 4: input: must not be empty or blank; and 10 more.");
    expect(found).toEqual({
      total: 12,
      unit: 'line',
      issues: [
        { line: 2, reason: "missing 'input'" },
        { line: 4, reason: 'input: must not be empty or blank' },
      ],
    });
  });

  it('keeps a reason that itself contains a semicolon', () => {
    const found = issuesFromMessage('The dataset was not stored: 1 invalid line. line 7: expected: a; b.');
    expect(found?.issues).toEqual([{ line: 7, reason: 'expected: a; b' }]);
  });

  it('reads the messages the gateway sends for a JSONL and a CSV file (copied from a running gateway)', () => {
    const jsonl = issuesFromMessage(
      "The dataset was not stored: 3 invalid lines. line 2: invalid JSON: Expected ',' or '}' after property value in JSON at position 12; line 3: invalid JSON: Unexpected token 'x', \"x\" is not valid JSON; line 4: missing 'input'.",
    );
    expect(jsonl?.issues).toEqual([
      { line: 2, reason: "invalid JSON: Expected ',' or '}' after property value in JSON at position 12" },
      { line: 3, reason: 'invalid JSON: Unexpected token \'x\', "x" is not valid JSON' },
      { line: 4, reason: "missing 'input'" },
    ]);
    expect(issuesFromMessage("The dataset was not stored: 1 invalid line. line 3: 'input': must not be empty or blank.")).toEqual({ total: 1, unit: 'line', issues: [{ line: 3, reason: "'input': must not be empty or blank" }] });
  });

  it('is null for other messages', () => {
    expect(issuesFromMessage('The dataset file is larger than the limit of 10 bytes.')).toBeNull();
  });
});
