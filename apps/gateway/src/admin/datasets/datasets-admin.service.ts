import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type CreateDatasetVersionResponse,
  type DatasetFileIssue,
  type DatasetFromSpansRequest,
  type DatasetItem,
  type DatasetItemListResponse,
  type DatasetItemsQuery,
  datasetItemSchema,
  type DatasetListResponse,
  type DatasetScorer,
  type DatasetVersionListResponse,
  type DatasetVersionResponse,
  type FromSpansFilter,
  type UploadDatasetQuery,
  WORKLOAD_NAME,
} from '@switchyard/contracts';
import { type DatasetOwner, DatasetRepository, type DatasetRow, type DatasetVersionRow, SpanRepository, type SpanRow } from '@switchyard/db';
import { z } from 'zod';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { resolveActor } from '../admin-actor.js';
import { type AdminPrincipal, requestedTenant, tenantScopeOf } from '../auth/admin-principal.js';
import { InvalidDatasetError, tooManyItems } from './dataset-file.errors.js';
import { DatasetFileService } from './dataset-file.service.js';
import type { UploadedDatasetFile } from './dataset-upload.service.js';
import { DATASET_LIMITS, type DatasetLimits } from './datasets-admin.tokens.js';

/** The parts of a stored chat response a dataset needs: the first choice's text. */
const responseContentSchema = z.looseObject({ choices: z.array(z.looseObject({ message: z.looseObject({ content: z.string() }) })).min(1) });
const requestMessagesSchema = z.looseObject({ messages: z.array(z.unknown()) });

/**
 * Datasets: upload files as versions, read them back, or make one from logged spans. Versions never
 * change. A tenant admin's datasets are its tenant's, and built only from its tenant's spans; the
 * global admin's are global, and it reads a tenant's by naming the tenant.
 */
@Injectable()
export class DatasetsAdminService {
  private readonly logger = new Logger(DatasetsAdminService.name);

  constructor(
    private readonly datasets: DatasetRepository,
    private readonly spans: SpanRepository,
    private readonly files: DatasetFileService,
    @Inject(DATASET_LIMITS) private readonly limits: DatasetLimits,
  ) {}

  /** The whole file is validated before anything is written. */
  async upload(principal: AdminPrincipal, name: string, query: UploadDatasetQuery, file: UploadedDatasetFile, actorHeader: string | undefined): Promise<CreateDatasetVersionResponse> {
    const actor = resolveActor(actorHeader);
    const format = this.files.formatOf({ format: query.format, contentType: file.contentType, filename: file.filename });
    const items = this.files.parse(file.bytes, format);
    return this.store(tenantScopeOf(principal), name, items, query.description, query.scorer, actor, format);
  }

  /**
   * Listed span ids must all be usable (live chat calls with their request stored), or nothing is
   * written; a filter takes the usable spans it matches. Spans become items in the order given,
   * or oldest first for a filter.
   */
  async fromSpans(principal: AdminPrincipal, name: string, body: DatasetFromSpansRequest, actorHeader: string | undefined): Promise<CreateDatasetVersionResponse> {
    const actor = resolveActor(actorHeader);
    const scope = tenantScopeOf(principal);
    const items = body.spanIds ? await this.itemsFromSpanIds(scope, body.spanIds, body.useResponseAsExpected) : await this.itemsFromFilter(scope, body.filter, body.useResponseAsExpected);
    if (items.length === 0) throw new OpenAiHttpError(422, 'No usable spans matched: a dataset needs at least one item.', 'invalid_request_error', 'empty_dataset');
    return this.store(scope, name, items, body.description, body.scorer, actor, 'spans');
  }

  /** Another tenant's span is reported exactly as a missing one. */
  private async itemsFromSpanIds(scope: string | null, spanIds: string[], useResponseAsExpected: boolean): Promise<DatasetItem[]> {
    const ids = [...new Set(spanIds)];
    if (ids.length > this.limits.maxItems) throw tooManyItems(ids.length, this.limits.maxItems);
    const byId = new Map((await this.spans.findManyScoped(scope, ids)).map((s) => [s.spanId, s]));
    const issues: DatasetFileIssue[] = [];
    const items: DatasetItem[] = [];
    ids.forEach((id, i) => {
      const span = byId.get(id);
      const item = span ? spanToItem(span, useResponseAsExpected) : `no span '${id}'`;
      if (typeof item === 'string') issues.push({ line: i + 1, reason: span ? `span '${id}' ${item}` : item });
      else items.push(item);
    });
    if (issues.length) throw new InvalidDatasetError(issues, issues.length, 'span id');
    return items;
  }

  /** The contract requires a filter when no ids are given; an absent one matches nothing. */
  private async itemsFromFilter(scope: string | null, filter: FromSpansFilter | undefined, useResponseAsExpected: boolean): Promise<DatasetItem[]> {
    if (!filter) return [];
    if (filter.limit > this.limits.maxItems) throw tooManyItems(`up to ${filter.limit}`, this.limits.maxItems);
    const spans = await this.spans.findForDataset(scope, {
      workload: filter.workload,
      model: filter.model,
      since: filter.since === undefined ? undefined : new Date(filter.since),
      until: filter.until === undefined ? undefined : new Date(filter.until),
      status: filter.status,
      limit: filter.limit,
    });
    // A matched span without an answer cannot give an expected one; it is left out rather than failing the rest.
    return spans.map((s) => spanToItem(s, useResponseAsExpected)).filter((item): item is DatasetItem => typeof item !== 'string');
  }

  /** The global admin: every owner's, or the named tenant's. A tenant admin: its own. */
  async list(principal: AdminPrincipal, tenantId: string | undefined): Promise<DatasetListResponse> {
    const rows = await this.datasets.listDatasets(requestedTenant(principal, tenantId));
    return {
      data: rows.map((d) => ({
        id: d.id,
        name: d.name,
        tenantId: d.tenantId,
        description: d.description,
        latestVersion: d.latestVersion,
        versionCount: d.versionCount,
        createdAt: d.createdAt.toISOString(),
      })),
    };
  }

  async versions(principal: AdminPrincipal, tenantId: string | undefined, name: string): Promise<DatasetVersionListResponse> {
    const found = await this.datasets.listVersions(requestedTenant(principal, tenantId), name);
    if (!found) throw datasetNotFound(name);
    return { data: found.versions.map((v) => toVersion(found.dataset, v)) };
  }

  async version(principal: AdminPrincipal, tenantId: string | undefined, name: string, version: number | undefined): Promise<DatasetVersionResponse> {
    const found = await this.load(requestedTenant(principal, tenantId), name, version);
    return toVersion(found.dataset, found.version);
  }

  async items(principal: AdminPrincipal, tenantId: string | undefined, name: string, version: number | undefined, page: DatasetItemsQuery): Promise<DatasetItemListResponse> {
    const found = await this.load(requestedTenant(principal, tenantId), name, version);
    const rows = await this.datasets.items(found.version.id, page);
    return {
      data: rows.map((r) => ({ id: r.id, position: r.position, input: r.input, expected: r.expected, workload: r.workload, metadata: r.metadata, spanId: r.sourceSpanId })),
      offset: page.offset,
      limit: page.limit,
      total: found.version.itemCount,
      hasMore: page.offset + rows.length < found.version.itemCount,
    };
  }

  private async store(
    owner: DatasetOwner,
    name: string,
    items: DatasetItem[],
    description: string | undefined,
    scorer: DatasetScorer | undefined,
    actor: string,
    source: string,
  ): Promise<CreateDatasetVersionResponse> {
    const result = await this.datasets.createVersion({ tenantId: owner, name, description, items, scorer: scorer ?? null, createdBy: actor });
    const { dataset, version, created } = result;
    if (created) this.logger.log(`${actor} stored ${dataset.name} v${version.version}${owner ? ` of ${owner}` : ''} (${version.itemCount} items from ${source})`);
    return { ...toVersion(dataset, version), created };
  }

  /** Another owner's dataset of the same name is not looked at: to this owner it does not exist. */
  private async load(owner: DatasetOwner, name: string, version: number | undefined): Promise<{ dataset: DatasetRow; version: DatasetVersionRow }> {
    const found = await this.datasets.getVersion(owner, name, version);
    if (found) return found;
    if (version === undefined || !(await this.datasets.listVersions(owner, name))) throw datasetNotFound(name);
    throw new OpenAiHttpError(404, `Dataset '${name}' has no version ${version}.`, 'invalid_request_error', 'dataset_version_not_found', 'version');
  }
}

/** The item a span makes, or why it makes none. */
function spanToItem(span: SpanRow, useResponseAsExpected: boolean): DatasetItem | string {
  if (span.operation !== 'chat') return `is a ${span.operation} call, not a chat completion`;
  if (span.origin !== 'live') return `is the gateway's own ${span.origin} call`;
  const request = requestMessagesSchema.safeParse(span.requestBody);
  if (!request.success) return `has no stored messages (it was written with redaction '${span.redaction}')`;
  let expected: string | undefined;
  if (useResponseAsExpected) {
    const response = responseContentSchema.safeParse(span.responseBody);
    if (!response.success) return 'has no stored answer text to use as the expected answer';
    expected = response.data.choices[0]?.message.content;
  }
  const item = datasetItemSchema.safeParse({
    input: request.data.messages,
    ...(expected !== undefined && { expected }),
    ...(WORKLOAD_NAME.test(span.workload) && { workload: span.workload }),
    metadata: span.model ? { model: span.model } : {},
    span_id: span.spanId,
  });
  return item.success ? item.data : `has messages that are not a valid dataset input: ${item.error.issues[0]?.message ?? 'invalid'}`;
}

const datasetNotFound = (name: string): OpenAiHttpError => new OpenAiHttpError(404, `No dataset '${name}'.`, 'invalid_request_error', 'dataset_not_found', 'name');

const toVersion = (dataset: DatasetRow, v: DatasetVersionRow): DatasetVersionResponse => ({
  id: v.id,
  dataset: dataset.name,
  tenantId: dataset.tenantId,
  version: v.version,
  contentHash: v.contentHash,
  itemCount: v.itemCount,
  scorer: v.scorer,
  createdBy: v.createdBy,
  createdAt: v.createdAt.toISOString(),
});
