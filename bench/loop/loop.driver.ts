import { activePolicyResponseSchema, type CanaryScheduleInput, type PolicyDiff, policyDiffDetailSchema, policyDiffListResponseSchema } from '@switchyard/contracts';
import type { FleetRow } from './fleet.js';

export interface SentCall {
  row: FleetRow;
  status: number;
  spanId: string | null;
}

/** The bench's two faces of the system: a client of `/v1`, and a reviewer on `/admin`. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly adminKey: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.adminKey}`, 'content-type': 'application/json', ...extra };
  }

  /** One client call of a recorded prompt, tagged with its workload, from a sticky `user`. */
  async chat(row: FleetRow, user: string): Promise<SentCall> {
    const res = await fetch(`${this.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: this.headers({ 'x-switchyard-workload': row.workload }),
      body: JSON.stringify({ model: 'auto', user, messages: row.messages }),
    });
    await res.arrayBuffer();
    return { row, status: res.status, spanId: res.headers.get('x-switchyard-span-id') };
  }

  /** `rows` as client traffic, `concurrency` at a time, in order. */
  async send(rows: readonly FleetRow[], userOf: (row: FleetRow) => string, concurrency = 16): Promise<SentCall[]> {
    const out: SentCall[] = new Array<SentCall>(rows.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
        for (let i = next++; i < rows.length; i = next++) out[i] = await this.chat(rows[i], userOf(rows[i]));
      }),
    );
    return out;
  }

  async admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: this.headers({ 'x-switchyard-actor': 'bench-reviewer' }), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
  }

  async activeVersionId(): Promise<string> {
    return activePolicyResponseSchema.parse((await this.admin('GET', '/admin/policy')).json).id;
  }

  async diffs(status?: string): Promise<PolicyDiff[]> {
    const out: PolicyDiff[] = [];
    let before: string | null = null;
    do {
      const q = new URLSearchParams({ limit: '200', ...(status ? { status } : {}), ...(before ? { before } : {}) });
      const page = policyDiffListResponseSchema.parse((await this.admin('GET', `/admin/policy-diffs?${q.toString()}`)).json);
      out.push(...page.data);
      before = page.hasMore ? page.nextBefore : null;
    } while (before);
    return out;
  }

  /** Judge and shadow jobs not done yet, from the gateway's own metrics. */
  async evaluationBacklog(): Promise<number> {
    const text = await (await fetch(`${this.baseUrl}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^switchyard_queue_depth\{queue="(judge|shadow)",state="(waiting|active|delayed|prioritized|waiting-children)"\} (\d+)/gm)) n += Number(m[3]);
    return n;
  }
}

export interface ReviewLog {
  /** Client requests sent when the first diff was approved; null if none was. */
  requestsUntilFirstApproval: number | null;
  approvals: { id: string; summary: string; atRequest: number }[];
  stale: number;
}

/**
 * Reviews proposals the way a person on call would: approves the newest open diff against the
 * active version and schedules its canary, one rollout at a time (a diff made against a version a
 * canary has since replaced is stale, and the optimizer proposes again on the new one).
 */
export class BenchReviewer {
  readonly log: ReviewLog = { requestsUntilFirstApproval: null, approvals: [], stale: 0 };
  private rollout: string | undefined;

  constructor(
    private readonly client: GatewayClient,
    private readonly schedule: CanaryScheduleInput,
  ) {}

  /** The diff whose canary is running, if any. */
  async running(): Promise<string | undefined> {
    if (!this.rollout) return undefined;
    const d = policyDiffDetailSchema.parse((await this.client.admin('GET', `/admin/policy-diffs/${this.rollout}`)).json);
    if (d.status === 'promoted' || d.status === 'rolled_back' || d.status === 'rejected') this.rollout = undefined;
    return this.rollout;
  }

  async review(requestsSent: number): Promise<void> {
    if (await this.running()) return;
    const open = await this.client.diffs('proposed');
    if (!open.length) return;
    const active = await this.client.activeVersionId();
    for (const d of open) {
      if (d.parentVersionId !== active) continue;
      const approved = await this.client.admin('POST', `/admin/policy-diffs/${d.id}/approve`, { comment: 'bench reviewer: predicted deltas and evidence read' });
      if (approved.status === 409) {
        this.log.stale++;
        continue;
      }
      if (approved.status !== 200) throw new Error(`approving ${d.id}: ${approved.status} ${JSON.stringify(approved.json)}`);
      const canary = await this.client.admin('POST', `/admin/policy-diffs/${d.id}/canary`, { schedule: this.schedule });
      if (canary.status !== 202) throw new Error(`scheduling the canary of ${d.id}: ${canary.status} ${JSON.stringify(canary.json)}`);
      this.log.requestsUntilFirstApproval ??= requestsSent;
      this.log.approvals.push({ id: d.id, summary: d.summary, atRequest: requestsSent });
      this.rollout = d.id;
      return;
    }
  }

  /** Ends a rollout still running when the train traffic ran out: the parent version comes back. */
  async abortRunning(): Promise<string | undefined> {
    const id = await this.running();
    if (!id) return undefined;
    const res = await this.client.admin('POST', `/admin/policy-diffs/${id}/canary/abort`, { comment: 'bench: train traffic ended before the canary did' });
    if (res.status >= 300) throw new Error(`aborting the canary of ${id}: ${res.status} ${JSON.stringify(res.json)}`);
    this.rollout = undefined;
    return id;
  }
}
