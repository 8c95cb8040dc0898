import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type ModelConfig, type ProviderConfig } from '@switchyard/config';
import { OpenAiHttpError } from '../errors/openai-error.js';
import type { CallTarget } from '../providers/provider.adapter.js';

export const AUTO_ALIAS = 'auto';
const WORKLOAD_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export type RouteOperation = 'chat' | 'embeddings';

export interface RouteDecision {
  workload: string;
  policyVersion: string;
  /** 'pinned' when the client named a model; 'fallback_list' when the policy chose. */
  strategy: 'pinned' | 'fallback_list';
  /** Ordered: the first is tried first, the rest are fallbacks. */
  candidates: CallTarget[];
}

/**
 * Applies the static per-workload policy from the config file. The routing-engine issue
 * replaces this with versioned policies evaluated by libs/routing.
 */
@Injectable()
export class RouteResolver {
  readonly policyVersion: string;
  private readonly models = new Map<string, ModelConfig>();
  private readonly providers = new Map<string, ProviderConfig>();
  private readonly workloads: Set<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    for (const p of config.providers) this.providers.set(p.name, p);
    for (const m of config.models) this.models.set(m.id, m);
    this.workloads = new Set(config.workloads.map((w) => w.name));
    // Content-addressed so the same policy always reports the same version across restarts.
    this.policyVersion = `config-${createHash('sha256').update(JSON.stringify(config.routing)).digest('hex').slice(0, 12)}`;
  }

  /** Model ids plus the aliases a client may send as `model`. */
  listModelIds(): { models: ModelConfig[]; aliases: string[] } {
    return { models: [...this.models.values()], aliases: [AUTO_ALIAS, ...this.workloads] };
  }

  resolve(requestedModel: string, workloadHeader: string | undefined, operation: RouteOperation): RouteDecision {
    const headerWorkload = this.parseWorkloadHeader(workloadHeader);
    const pinned = this.models.get(requestedModel);
    if (pinned) {
      this.assertKind(pinned, operation);
      return {
        workload: headerWorkload ?? this.config.routing.defaultWorkload,
        policyVersion: this.policyVersion,
        strategy: 'pinned',
        candidates: [this.target(pinned)],
      };
    }
    const aliasWorkload = requestedModel === AUTO_ALIAS ? undefined : this.workloads.has(requestedModel) ? requestedModel : null;
    if (aliasWorkload === null) {
      throw new OpenAiHttpError(
        404,
        `The model '${requestedModel}' does not exist. Use 'auto', a workload name or a model id from GET /v1/models.`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    }
    const workload = headerWorkload ?? aliasWorkload ?? this.config.routing.defaultWorkload;
    const route =
      operation === 'embeddings'
        ? this.config.routing.embeddingModel
        : (this.config.routing.workloads[workload] ?? this.config.routing.defaultModel);
    if (!route) {
      throw new OpenAiHttpError(404, `No embedding model is configured for '${requestedModel}'; name an embedding model id.`, 'invalid_request_error', 'model_not_found', 'model');
    }
    const ids = Array.isArray(route) ? route : [route];
    return {
      workload,
      policyVersion: this.policyVersion,
      strategy: 'fallback_list',
      candidates: ids.map((id) => this.target(this.mustModel(id))),
    };
  }

  private parseWorkloadHeader(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return undefined;
    // Unknown but well-formed workloads are accepted: they are tagged on the span and take the default route.
    if (!WORKLOAD_PATTERN.test(value)) {
      throw new OpenAiHttpError(400, `Invalid x-switchyard-workload header: use 1-64 lower-case letters, digits, '.', '_' or '-'.`, 'invalid_request_error', 'invalid_workload', null);
    }
    return value;
  }

  private assertKind(model: ModelConfig, operation: RouteOperation): void {
    const wanted = operation === 'embeddings' ? 'embedding' : 'chat';
    if (model.kind !== wanted) {
      throw new OpenAiHttpError(400, `The model '${model.id}' is a ${model.kind} model and cannot serve ${operation} requests.`, 'invalid_request_error', 'model_not_supported', 'model');
    }
  }

  private mustModel(id: string): ModelConfig {
    const m = this.models.get(id);
    if (!m) throw new Error(`policy names unknown model ${id}`); // config validation makes this unreachable
    return m;
  }

  private target(model: ModelConfig): CallTarget {
    const provider = this.providers.get(model.provider);
    if (!provider) throw new Error(`model ${model.id} names unknown provider ${model.provider}`);
    return { model, provider };
  }
}
