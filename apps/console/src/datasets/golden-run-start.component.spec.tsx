import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { renderPage } from '../testing/render-page';
import { GoldenRunStart } from './golden-run-start.component';

describe('GoldenRunStart', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('offers the chat deployments only: an embedding model cannot answer a golden item', async () => {
    const api = new FakeAdminApi().on('GET', '/admin/deployments', {
      body: {
        object: 'list',
        data: [
          { model: 'gpt-4', provider: 'openai', kind: 'chat', observed: false },
          { model: 'text-embed', provider: 'openai', kind: 'embedding', observed: false },
          { model: 'yi-34b', provider: 'together', kind: 'chat', observed: false },
        ],
      },
    });
    vi.stubGlobal('fetch', api.fetch);
    renderPage(() => <GoldenRunStart dataset="arc" tenantId={null} versions={[]} />, { pattern: '/datasets/:name', url: '/datasets/arc' });
    expect(await screen.findByRole('checkbox', { name: /gpt-4/ })).toBeTruthy();
    expect(screen.getByRole('checkbox', { name: /yi-34b/ })).toBeTruthy();
    expect(screen.queryByRole('checkbox', { name: /text-embed/ })).toBeNull();
  });
});
