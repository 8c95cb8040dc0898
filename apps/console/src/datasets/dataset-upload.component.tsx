import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateDatasetVersionResponse } from '@switchyard/contracts';
import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { count, percent } from '../ui/format';
import { datasetLink } from './dataset-link';
import { contentTypeOf, datasetNameFromFile, formatOfFile, uploadIssues } from './dataset-upload';
import { DatasetUploadIssues } from './dataset-upload-issues.component';

/**
 * Upload a JSONL, CSV or JSON-array file as a new version of a dataset: dropped on the drop zone or
 * chosen with the file input (the keyboard path). The raw bytes go to
 * `POST /admin/datasets/:name/versions` with `?format=` from the extension.
 */
export function DatasetUpload() {
  const api = useApi();
  const queryClient = useQueryClient();
  const ids = { file: useId(), name: useId(), progress: useId() };
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [over, setOver] = useState(false);
  const [sent, setSent] = useState(0);

  const upload = useMutation({
    mutationFn: ({ file, name }: { file: File; name: string }) => {
      const format = formatOfFile(file.name) ?? 'jsonl';
      setSent(0);
      const path = `/admin/datasets/${encodeURIComponent(name)}/versions?format=${format}`;
      return api.upload<CreateDatasetVersionResponse>(path, file, contentTypeOf(format), setSent);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['datasets'] }),
  });

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    upload.reset();
    if (!name) setName(datasetNameFromFile(chosen.name));
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    choose(event.dataTransfer.files[0]);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (file && name) upload.mutate({ file, name });
  };

  const issues = upload.isError ? uploadIssues(upload.error) : null;
  const unknownFormat = file !== null && formatOfFile(file.name) === null;
  return (
    <form onSubmit={onSubmit} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a dataset version</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop a JSONL, CSV (header row) or JSON-array file here, or choose one.</p>
        <label htmlFor={ids.file}>Dataset file</label>
        <input id={ids.file} type="file" accept=".jsonl,.ndjson,.csv,.json,application/x-ndjson,text/csv,application/json" onChange={(event) => choose(event.target.files?.[0])} />
        {file && (
          <p>
            Chosen: <strong>{file.name}</strong> ({count(file.size, 'byte')})
            {unknownFormat && <span className="muted"> — unknown extension, sent as JSONL</span>}
          </p>
        )}
      </div>
      <div className="filters">
        <div>
          <label htmlFor={ids.name}>Dataset name</label>
          <input
            id={ids.name}
            value={name}
            required
            maxLength={64}
            pattern="[a-z0-9][a-z0-9._\-]{0,63}"
            title="1-64 lower-case letters, digits, dot, dash or underscore"
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <button type="submit" disabled={!file || !name || upload.isPending}>
          Upload
        </button>
      </div>
      {upload.isPending && (
        <p role="status">
          <label htmlFor={ids.progress}>{sent < 1 ? 'Uploading' : 'Checking items'}</label>
          <progress id={ids.progress} max={1} value={sent} aria-valuetext={sent < 1 ? `${percent(sent, 0)} sent` : 'sent; the gateway is checking the items'} />{' '}
          {sent < 1 ? `${percent(sent, 0)} sent` : 'Sent; checking each item…'}
        </p>
      )}
      {upload.isError && (
        <>
          <ErrorNotice error={upload.error} title="Upload refused" />
          {issues && <DatasetUploadIssues found={issues} fileName={file?.name ?? 'the file'} />}
        </>
      )}
      {upload.isSuccess && (
        <p role="status" className="notice">
          {upload.data.created ? 'Stored as ' : 'Same content as the existing '}
          <Link to={datasetLink(upload.data.dataset, upload.data.tenantId)}>
            {upload.data.dataset} version {upload.data.version}
          </Link>{' '}
          ({count(upload.data.itemCount, 'item')}).
        </p>
      )}
    </form>
  );
}
