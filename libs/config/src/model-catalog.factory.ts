import { buildCatalog, type ModelCatalog } from '@switchyard/routing';

interface CatalogSource {
  models: readonly { id: string; kind: 'chat' | 'embedding'; pricing: { inputUsdPerMTok: number; outputUsdPerMTok: number }; contextWindow: number }[];
  workloads: readonly { name: string }[];
}

/** The configured models as routing sees them. */
export const modelCatalogOf = (config: CatalogSource): ModelCatalog =>
  buildCatalog(
    config.models.map((m) => ({ id: m.id, kind: m.kind, inputUsdPerMTok: m.pricing.inputUsdPerMTok, outputUsdPerMTok: m.pricing.outputUsdPerMTok, contextWindow: m.contextWindow })),
    config.workloads.map((w) => w.name),
  );
