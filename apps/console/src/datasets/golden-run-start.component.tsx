import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreateGoldenRunRequest, DatasetScorer, DatasetVersionResponse, GoldenRunDetail } from '@switchyard/contracts';
import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../auth/session.context';
import type { DeploymentListResponse as DeploymentList } from '@switchyard/contracts';
import { ErrorNotice } from '../ui/error-notice.component';

/** The scorers the README lists; the API checks the name and its options. */
const SCORERS = ['exact', 'normalized_exact', 'contains', 'regex', 'multiple_choice', 'numeric', 'json_valid', 'json_schema', 'judge'] as const;

interface Props {
  dataset: string;
  tenantId: string | null;
  versions: DatasetVersionResponse[];
}

/**
 * Starts a golden run of one version on the chosen models. The model list is the gateway's
 * configured chat deployments (`GET /admin/deployments`, embedding models left out).
 */
export function GoldenRunStart({ dataset, tenantId, versions }: Props) {
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const ids = { version: useId(), scorer: useId(), options: useId(), models: useId() };
  const [version, setVersion] = useState<string>('');
  const [models, setModels] = useState<string[]>([]);
  const [scorer, setScorer] = useState('');
  const [options, setOptions] = useState('');
  const [optionsError, setOptionsError] = useState<string | null>(null);
  const deployments = useQuery({
    queryKey: ['deployments'],
    queryFn: ({ signal }) => api.get<DeploymentList>('/admin/deployments', undefined, signal),
  });
  const start = useMutation({
    mutationFn: (body: CreateGoldenRunRequest) => api.post<GoldenRunDetail>('/admin/golden-runs', body),
    onSuccess: async (run) => {
      await queryClient.invalidateQueries({ queryKey: ['golden-runs'] });
      await navigate(`/runs/${encodeURIComponent(run.id)}`);
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    let chosen: DatasetScorer | undefined;
    if (scorer) {
      let parsed: unknown = {};
      if (options.trim()) {
        try {
          parsed = JSON.parse(options);
        } catch (error) {
          setOptionsError(`Scorer options are not valid JSON: ${(error as Error).message}`);
          return;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          setOptionsError('Scorer options must be a JSON object, e.g. {"rubric": "correctness"}.');
          return;
        }
      }
      chosen = { name: scorer, options: parsed as DatasetScorer['options'] };
    }
    setOptionsError(null);
    start.mutate({
      dataset,
      ...(tenantId ? { tenantId } : {}),
      ...(version ? { version: Number(version) } : {}),
      models,
      ...(chosen ? { scorer: chosen } : {}),
    });
  };

  const toggle = (model: string, on: boolean) => setModels((current) => (on ? [...current, model] : current.filter((m) => m !== model)));
  return (
    <form className="run-start" onSubmit={onSubmit} aria-labelledby="start-run-title">
      <h2 id="start-run-title">Start golden run</h2>
      <div className="filters">
        <div>
          <label htmlFor={ids.version}>Version</label>
          <select id={ids.version} value={version} onChange={(event) => setVersion(event.target.value)}>
            <option value="">latest</option>
            {versions.map((v) => (
              <option key={v.id} value={v.version}>
                v{v.version} ({v.itemCount.toLocaleString('en-US')} items)
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.scorer}>Scorer (optional)</label>
          <select id={ids.scorer} value={scorer} onChange={(event) => setScorer(event.target.value)}>
            <option value="">the version's own, else exact</option>
            {SCORERS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {scorer && (
          <div>
            <label htmlFor={ids.options}>Scorer options (JSON, optional)</label>
            <input id={ids.options} value={options} placeholder='{"rubric": "correctness"}' onChange={(event) => setOptions(event.target.value)} />
          </div>
        )}
      </div>
      <fieldset>
        <legend id={ids.models}>Models</legend>
        {deployments.isPending && <p role="status">Loading configured models…</p>}
        <ErrorNotice error={deployments.error} title="Configured models" />
        {/* A golden run calls chat completions: embedding models cannot answer its items. */}
        {deployments.data?.data
          .filter((d) => d.kind === 'chat')
          .map((d) => {
            const boxId = `${ids.models}-${d.model}`;
            return (
              <div key={d.model}>
                <input id={boxId} type="checkbox" checked={models.includes(d.model)} onChange={(event) => toggle(d.model, event.target.checked)} />{' '}
                <label htmlFor={boxId} style={{ display: 'inline', fontWeight: 400 }}>
                  {d.model} <span className="muted">({d.provider})</span>
                </label>
              </div>
            );
          })}
      </fieldset>
      {optionsError && <ErrorNotice error={optionsError} />}
      <ErrorNotice error={start.error} title="Run not started" />
      <p>
        <button type="submit" disabled={models.length === 0 || start.isPending}>
          {start.isPending ? 'Starting…' : `Start golden run${models.length ? ` on ${models.length} model${models.length === 1 ? '' : 's'}` : ''}`}
        </button>
      </p>
    </form>
  );
}
