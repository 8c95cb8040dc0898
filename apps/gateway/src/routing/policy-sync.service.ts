import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { policyDocumentSchema } from '@switchyard/contracts';
import { type ActivePolicyVersion, PolicyVersionRepository } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REDIS_CLIENT } from '../infra/infra.tokens.js';
import { ActivePolicy } from './active-policy.service.js';
import { policyChannel } from '@switchyard/queue';

/** Who seeds versions from the config file; such versions follow the file when it changes. */
export const CONFIG_AUTHOR = 'config';
/** Pub/sub is at-most-once: a poll of the active pointer catches any notice an instance missed. */
const POLL_INTERVAL_MS = 10_000;

const noticeSchema = z.object({ versionId: z.string().min(1) });

const digest = (document: unknown): string => createHash('sha256').update(JSON.stringify(document)).digest('hex').slice(0, 12);

/**
 * Keeps ActivePolicy on this environment's active version. At boot it loads the active version
 * (seeding one from the config file when there is none); afterwards it follows activations
 * announced over Redis pub/sub (RedisPolicyPublisher), and polls the pointer as a safety net.
 */
@Injectable()
export class PolicySync implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PolicySync.name);
  private subscriber?: Redis;
  private poller?: NodeJS.Timeout;
  /** Serialises installs so an older notice can never overwrite a newer one mid-flight. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly versions: PolicyVersionRepository,
    private readonly active: ActivePolicy,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  get channel(): string {
    return policyChannel(this.config.redisPrefix, this.config.environment);
  }

  async onModuleInit(): Promise<void> {
    try {
      const active = await this.seedOrLoad();
      this.installRow(active);
    } catch (err) {
      // Serving beats waiting for the database: route by the config file and catch up by polling.
      const version = `config-${digest(this.config.routing)}`;
      this.logger.error(`cannot load the active policy (${(err as Error).message}); routing by the config file as ${version} until the database answers`);
      this.active.install(version, this.config.routing);
    }
    // Not awaited: with Redis down the subscription waits for it, and boot must not; the poll covers.
    void this.subscribe();
    this.poller = setInterval(() => this.enqueue(() => this.refresh()), POLL_INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.poller);
    this.subscriber?.disconnect();
    await this.chain;
  }

  /** Loads the active pointer and installs it if it moved. */
  async refresh(): Promise<void> {
    const active = await this.versions.getActive(this.config.environment);
    if (active && active.version.id !== this.active.version) this.installRow(active);
  }

  private async seedOrLoad(): Promise<ActivePolicyVersion> {
    const env = this.config.environment;
    const active = await this.versions.getActive(env);
    const fromFile = policyDocumentSchema.parse(this.config.routing);
    const fileDigest = digest(fromFile);
    if (active) {
      const activeDigest = digest(policyDocumentSchema.safeParse(active.version.document).data ?? active.version.document);
      if (activeDigest === fileDigest) return active;
      if (active.version.createdBy !== CONFIG_AUTHOR) {
        this.logger.warn(`${this.config.configPath} routing differs from active version ${active.version.id} (by ${active.version.createdBy}); the active version wins. Change routing through /admin/policy.`);
        return active;
      }
    }
    // No version yet, or the file changed and nobody has taken over through the API: the file's policy becomes the next version.
    const row = await this.versions.create({
      parentId: active?.version.id ?? null,
      createdBy: CONFIG_AUTHOR,
      reason: `${active ? 'config file changed' : 'seeded from the config file'}: ${this.config.configPath} (sha256 ${fileDigest})`,
      document: fromFile,
    });
    await this.versions.activate(env, row.id, CONFIG_AUTHOR, row.reason);
    this.logger.log(`policy version ${row.id} ${active ? 'replaces' : 'seeds'} environment "${env}" from the config file`);
    return (await this.versions.getActive(env)) ?? { version: row, activatedAt: new Date(), activatedBy: CONFIG_AUTHOR };
  }

  private installRow(active: ActivePolicyVersion): void {
    this.active.install(active.version.id, active.version.document);
  }

  private async subscribe(): Promise<void> {
    const sub = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
    sub.on('error', (e: Error) => this.logger.warn(`policy subscriber: ${e.message}`));
    sub.on('message', (_channel: string, message: string) => {
      let notice: z.infer<typeof noticeSchema>;
      try {
        notice = noticeSchema.parse(JSON.parse(message));
      } catch {
        this.logger.warn('ignored a malformed policy notice');
        return;
      }
      if (notice.versionId !== this.active.version) this.enqueue(() => this.refresh());
    });
    this.subscriber = sub;
    try {
      await sub.subscribe(this.channel);
    } catch (err) {
      // ioredis resubscribes once it connects; until then the poll covers.
      this.logger.warn(`cannot subscribe to ${this.channel} yet: ${(err as Error).message}`);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => this.logger.warn(`policy refresh failed: ${(err as Error).message}`));
  }
}
