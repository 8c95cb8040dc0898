import { Logger } from '@nestjs/common';
import { type QualityFloor, qualityFloorOf } from '@switchyard/config';
import type { ModelQuality, ScoreRepository } from '@switchyard/db';
import { probeTargets, spanHash } from './probe-targets.js';
import { eliminateTargets } from './shadow-target.elimination.js';

export interface ShadowTargetSettings {
  /** `optimizer.qualityFloor`: per workload, else `default`. */
  qualityFloor: Readonly<Record<string, QualityFloor>>;
  /** `optimizer.minSamples`: scores a model needs before it can be ruled out. */
  minSamples: number;
  /** `optimizer.windowMs`: how far back scores count, as in the optimizer's fit. */
  windowMs: number;
  /** How long a workload's judged quality is reused before it is read again. */
  cacheMs?: number;
  /** One call in this many also probes one ruled-out model, so a ruling can be revisited. */
  revisitEvery?: number;
  now?: () => number;
}

/** What the selector needs of the judged live call. */
export interface ShadowSource {
  spanId: string;
  workload: string;
  model: string | null;
}

const DEFAULT_CACHE_MS = 10_000;
const DEFAULT_REVISIT_EVERY = 10;
const Z = 1.96;

type Scores = Pick<ScoreRepository, 'qualityByModel'>;

/**
 * Chooses which models a judged call is probed on: the candidates still worth exploring (see
 * `eliminateTargets`), k of them spread by the span id; one call in `revisitEvery` swaps its last
 * probe for a ruled-out model, so a ruling made on old scores, or before a model changed, can flip.
 */
export class ShadowTargetSelector {
  private readonly logger = new Logger(ShadowTargetSelector.name);
  private readonly cache = new Map<string, { at: number; quality: Promise<ModelQuality[]> }>();

  constructor(
    private readonly scores: Scores,
    private readonly settings: ShadowTargetSettings,
  ) {}

  async choose(source: ShadowSource, rubric: string, models: readonly string[], k: number): Promise<string[]> {
    const served = source.model;
    if (served === null) return probeTargets(source.spanId, models, k);
    let quality: ModelQuality[];
    try {
      quality = await this.qualityOf(source.workload, rubric);
    } catch (err) {
      // Exploring evenly is still right, only less thrifty: a failed read must not lose the probes.
      this.logger.warn(`judged quality of ${source.workload} unavailable, probing without elimination: ${err instanceof Error ? err.message : String(err)}`);
      return probeTargets(source.spanId, models.filter((m) => m !== served), k);
    }
    const { eligible, ruledOut } = eliminateTargets({
      served,
      models,
      quality,
      floor: qualityFloorOf(this.settings.qualityFloor, source.workload),
      minSamples: this.settings.minSamples,
      z: Z,
    });
    const picked = probeTargets(source.spanId, eligible, k);
    const revisitEvery = this.settings.revisitEvery ?? DEFAULT_REVISIT_EVERY;
    // Mixed again, so the revisit turn does not line up with where the window starts.
    const hash = Math.imul(spanHash(source.spanId) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    if (ruledOut.length > 0 && hash % revisitEvery === 0) {
      const revisit = ruledOut[Math.floor(hash / revisitEvery) % ruledOut.length];
      return picked.length < k ? [...picked, revisit] : [...picked.slice(0, k - 1), revisit];
    }
    return picked;
  }

  private qualityOf(workload: string, rubric: string): Promise<ModelQuality[]> {
    const now = (this.settings.now ?? Date.now)();
    const key = `${workload}\u0000${rubric}`;
    const hit = this.cache.get(key);
    if (hit && now - hit.at < (this.settings.cacheMs ?? DEFAULT_CACHE_MS)) return hit.quality;
    const quality = this.scores.qualityByModel({ workload, scorer: `judge:${rubric}`, sources: ['judge', 'shadow'], since: new Date(now - this.settings.windowMs) });
    this.cache.set(key, { at: now, quality });
    // A failed read is not cached: the next call tries again.
    quality.catch(() => {
      if (this.cache.get(key)?.quality === quality) this.cache.delete(key);
    });
    return quality;
  }
}
