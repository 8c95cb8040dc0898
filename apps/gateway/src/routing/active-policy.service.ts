import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, modelCatalogOf } from '@switchyard/config';
import { type CompiledPolicy, compilePolicy, type ModelCatalog, type PolicyIssue, validatePolicy } from '@switchyard/routing';

/**
 * Holds the compiled policy the gateway routes by. A new version replaces the reference in one
 * assignment: a request reads it once, so in-flight requests finish on the version they started with.
 */
@Injectable()
export class ActivePolicy {
  private readonly logger = new Logger(ActivePolicy.name);
  readonly catalog: ModelCatalog;
  private compiled?: CompiledPolicy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.catalog = modelCatalogOf(config);
  }

  get current(): CompiledPolicy {
    if (!this.compiled) throw new Error('no policy installed yet; PolicySync installs one at boot');
    return this.compiled;
  }

  get version(): string | undefined {
    return this.compiled?.version;
  }

  /** Validates against the configured models, compiles, and swaps. An invalid version is never installed. */
  install(version: string, document: unknown): { ok: true } | { ok: false; issues: PolicyIssue[] } {
    const checked = validatePolicy(document, this.catalog);
    if (!checked.ok) {
      this.logger.error(`policy version ${version} failed validation and was not installed: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return checked;
    }
    const previous = this.compiled?.version;
    this.compiled = compilePolicy(checked.policy, this.catalog, version);
    if (previous !== version) this.logger.log(`routing by policy version ${version}${previous ? ` (was ${previous})` : ''}`);
    return { ok: true };
  }
}
