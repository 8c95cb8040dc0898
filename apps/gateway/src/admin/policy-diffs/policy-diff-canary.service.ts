import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { type AbortCanaryRequest, canaryEventDetailsSchema, type CanaryEventDetails, type CanaryJob, type CanaryStartJob, type CanaryStatus, type ScheduleCanaryRequest } from '@switchyard/contracts';
import { CanaryMeasurementRepository, PolicyDiffRepository, type PolicyDiffRow, PolicyVersionRepository } from '@switchyard/db';
import { CanaryQueue, CanaryStartRunningError, RedisPolicyPublisher, scheduleCanaryStart } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { REDIS_CLIENT } from '../../infra/infra.tokens.js';
import { resolveActor } from '../admin-actor.js';
import { canaryCheckOf } from './canary-check.series.js';

const CANARY_EVENTS: ReadonlySet<string> = new Set(['canary_started', 'canary_step', 'promoted', 'rolled_back', 'commented']);

/**
 * Schedules, watches and aborts an approved diff's canary. The steps themselves run in the worker
 * (CanaryRolloutService); this side only enqueues the start and, on abort, restores the parent.
 */
@Injectable()
export class PolicyDiffCanaryService implements OnApplicationShutdown {
  private readonly logger = new Logger(PolicyDiffCanaryService.name);
  private readonly queue: Queue<CanaryJob | CanaryStartJob>;
  private readonly publisher: RedisPolicyPublisher;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly diffs: PolicyDiffRepository,
    private readonly versions: PolicyVersionRepository,
    private readonly measurements: CanaryMeasurementRepository,
    @Inject(REDIS_CLIENT) redis: Redis,
  ) {
    this.queue = new Queue<CanaryJob | CanaryStartJob>(CanaryQueue.name, { connection: redis, prefix: config.redisPrefix });
    this.queue.on('error', () => undefined);
    this.publisher = new RedisPolicyPublisher(redis, config.redisPrefix);
  }

  async schedule(id: string, body: ScheduleCanaryRequest, actorHeader: string | undefined): Promise<{ diffId: string; startsAt: string; schedule: ScheduleCanaryRequest['schedule'] }> {
    const actor = resolveActor(actorHeader);
    const diff = await this.load(null, id);
    if (diff.status !== 'approved') throw new OpenAiHttpError(409, `Only an approved diff can be rolled out; this one is ${diff.status}.`, 'invalid_request_error', 'illegal_transition');
    const active = await this.versions.getActive(this.config.environment);
    if (active?.version.id !== diff.parentVersionId) {
      throw new OpenAiHttpError(409, `The active policy is ${active?.version.id ?? 'none'}, not this diff's parent ${diff.parentVersionId}; the optimizer will propose again against it.`, 'invalid_request_error', 'stale_diff');
    }
    const at = body.schedule.startAt ? Date.parse(body.schedule.startAt) : Date.now();
    let outcome: 'scheduled' | 'rescheduled';
    try {
      outcome = await scheduleCanaryStart(this.queue, { diffId: diff.id, environment: this.config.environment, actor, schedule: body.schedule }, at);
    } catch (err) {
      if (err instanceof CanaryStartRunningError) throw new OpenAiHttpError(409, `${err.message} Its schedule can no longer be changed; abort it once it runs if needed.`, 'invalid_request_error', 'canary_starting');
      throw new OpenAiHttpError(503, `Cannot schedule the canary: Redis is unavailable (${(err as Error).message}).`, 'server_error', 'queue_unavailable');
    }
    await this.diffs.transition(diff.id, 'commented', actor, `canary ${outcome} for ${new Date(at).toISOString()}`, { details: { schedule: body.schedule } });
    return { diffId: diff.id, startsAt: new Date(at).toISOString(), schedule: body.schedule };
  }

  /** A tenant's scope sees only the diffs it owns; another's answers 404. */
  async status(scope: string | null, id: string): Promise<CanaryStatus> {
    const diff = await this.load(scope, id);
    const [active, events, checks] = await Promise.all([this.versions.getActive(this.config.environment), this.diffs.events(diff.id), this.measurements.checks(diff.id)]);
    const canary = active?.version.document.canary;
    return {
      diffId: diff.id,
      status: diff.status,
      share: diff.status === 'canary' && canary?.name === diff.id ? canary.share : null,
      activeVersionId: active?.version.id ?? null,
      steps: events
        .filter((e) => CANARY_EVENTS.has(e.action))
        .map((e) => ({ action: e.action, actor: e.actor, comment: e.comment, at: e.at.toISOString(), details: this.detailsOf(e.id, e.details) })),
      measured: diff.measured,
      checks: checks.map(canaryCheckOf),
    };
  }

  async abort(id: string, body: AbortCanaryRequest, actorHeader: string | undefined): Promise<CanaryStatus> {
    const actor = resolveActor(actorHeader);
    const diff = await this.load(null, id);
    if (diff.status !== 'canary') throw new OpenAiHttpError(409, `No rollout is running for this diff; it is ${diff.status}.`, 'invalid_request_error', 'illegal_transition');
    await this.versions.activate(this.config.environment, diff.parentVersionId, actor, `canary ${diff.id} aborted: ${body.comment}`);
    const moved = await this.diffs.transition(diff.id, 'rolled_back', actor, body.comment, { details: { aborted: true, restored: diff.parentVersionId } });
    if (!moved.ok) throw new OpenAiHttpError(409, 'The rollout ended meanwhile.', 'invalid_request_error', 'illegal_transition');
    await this.publisher.published(this.config.environment, diff.parentVersionId).catch((err: unknown) => this.logger.warn(`abort notice not sent: ${(err as Error).message}`));
    this.logger.warn(`${actor} aborted the canary of ${diff.id}: ${body.comment}`);
    return this.status(null, diff.id);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  /** The rollout writes these fields itself; one that does not fit (never expected) is left out rather than mistyped. */
  private detailsOf(eventId: number, details: Record<string, unknown>): CanaryEventDetails {
    const parsed = canaryEventDetailsSchema.safeParse(details);
    if (parsed.success) return parsed.data;
    this.logger.warn(`policy diff event ${eventId}: details do not fit the canary schema (${parsed.error.issues[0]?.message ?? 'invalid'}); sent empty`);
    return {};
  }

  private async load(scope: string | null, id: string): Promise<PolicyDiffRow> {
    const row = await this.diffs.getScoped(scope, id);
    if (!row || row.environment !== this.config.environment) throw new OpenAiHttpError(404, `No policy diff '${id}'.`, 'invalid_request_error', 'policy_diff_not_found', 'id');
    return row;
  }
}
