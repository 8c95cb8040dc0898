import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type ModelConfig, type ProviderConfig } from '@switchyard/config';
import { WORKLOAD_NAME } from '@switchyard/contracts';
import { evaluate, NoRouteError, type RequestFeatures } from '@switchyard/routing';
import { DEPLOYMENT_HEALTH, type DeploymentHealth } from '../dispatch/deployment-health.port.js';
import type { DispatchPlan } from '../dispatch/dispatch-plan.js';
import { OpenAiHttpError } from '../errors/openai-error.js';
import type { CallTarget } from '../providers/provider.adapter.js';
import { ActivePolicy } from './active-policy.service.js';

export const AUTO_ALIAS = 'auto';

export type RouteOperation = 'chat' | 'embeddings';

/**
 * Turns a request into a dispatch plan: HTTP-level checks (unknown model, wrong model kind,
 * malformed workload header), then the active policy's pure `evaluate`, then deployments.
 */
@Injectable()
export class RouteResolver {
  private readonly models = new Map<string, ModelConfig>();
  private readonly targets = new Map<string, CallTarget>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly policy: ActivePolicy,
    @Inject(DEPLOYMENT_HEALTH) private readonly health: DeploymentHealth,
  ) {
    const providers = new Map<string, ProviderConfig>(config.providers.map((p) => [p.name, p]));
    for (const model of config.models) {
      const provider = providers.get(model.provider);
      // Config validation makes this unreachable.
      if (!provider) throw new Error(`model ${model.id} names unknown provider ${model.provider}`);
      this.models.set(model.id, model);
      this.targets.set(model.id, { model, provider });
    }
  }

  /** Model ids plus the aliases a client may send as `model`. */
  listModelIds(): { models: ModelConfig[]; aliases: string[] } {
    return { models: [...this.models.values()], aliases: [AUTO_ALIAS, ...[...this.policy.current.workloads].sort()] };
  }

  /** Validates the `x-switchyard-workload` header; well-formed unknown workloads are tagged and take the default route. */
  static parseWorkloadHeader(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (!WORKLOAD_NAME.test(value)) {
      throw new OpenAiHttpError(400, `Invalid x-switchyard-workload header: use 1-64 lower-case letters, digits, '.', '_' or '-'.`, 'invalid_request_error', 'invalid_workload', null);
    }
    return value;
  }

  resolve(features: RequestFeatures): DispatchPlan {
    const policy = this.policy.current;
    const requested = features.requestedModel;
    const pinned = this.models.get(requested);
    if (pinned) this.assertKind(pinned, features.operation);
    else if (requested !== AUTO_ALIAS && !policy.workloads.has(requested)) {
      throw new OpenAiHttpError(
        404,
        `The model '${requested}' does not exist. Use 'auto', a workload name or a model id from GET /v1/models.`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    }
    let decision;
    try {
      decision = evaluate(policy, features, this.health, Math.random);
    } catch (err) {
      if (err instanceof NoRouteError) {
        throw new OpenAiHttpError(404, `No embedding route is configured for '${requested}'; name an embedding model id.`, 'invalid_request_error', 'model_not_found', 'model');
      }
      throw err;
    }
    // Every candidate is too small for the prompt plus max_tokens: no retry or later moment fits it, so it is the client's to fix (not a 503).
    if (decision.legs.length === 0 && decision.fallbacks.length === 0 && decision.excluded.length > 0 && decision.excluded.every((e) => e.reason === 'context_window')) {
      const largest = Math.max(...decision.excluded.map((e) => this.models.get(e.model)?.contextWindow ?? 0));
      const completion = features.maxTokens ?? 0;
      throw new OpenAiHttpError(
        400,
        `This request needs ${features.inputTokens + completion} tokens (about ${features.inputTokens} in the messages, ${completion} for the completion), more than the ${largest}-token context window of any model it may use. Shorten the messages or lower max_tokens.`,
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      );
    }
    return {
      decision,
      legs: decision.legs.map((id) => this.target(id)),
      fallbacks: decision.fallbacks.map((id) => this.target(id)),
      fallbackOn: new Set(decision.fallbackOn),
      retries: decision.retries,
      inputTokens: features.inputTokens,
      maxOutputTokens: features.operation === 'embeddings' ? 0 : features.maxTokens,
    };
  }

  private assertKind(model: ModelConfig, operation: RouteOperation): void {
    const wanted = operation === 'embeddings' ? 'embedding' : 'chat';
    if (model.kind !== wanted) {
      throw new OpenAiHttpError(400, `The model '${model.id}' is a ${model.kind} model and cannot serve ${operation} requests.`, 'invalid_request_error', 'model_not_supported', 'model');
    }
  }

  private target(id: string): CallTarget {
    const target = this.targets.get(id);
    // The policy was validated against these models before it was installed.
    if (!target) throw new Error(`policy names unknown model ${id}`);
    return target;
  }
}
