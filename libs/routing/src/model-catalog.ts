/** What routing needs to know about a configured model. */
export interface CatalogModel {
  id: string;
  kind: 'chat' | 'embedding';
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  contextWindow: number;
}

/** The configured models and declared workloads a policy is checked and compiled against. */
export interface ModelCatalog {
  models: ReadonlyMap<string, CatalogModel>;
  /** Declared workloads; a policy's route keys and workload rules may also introduce names. */
  workloads: readonly string[];
}

export const buildCatalog = (models: readonly CatalogModel[], workloads: readonly string[] = []): ModelCatalog => ({
  models: new Map(models.map((m) => [m.id, m])),
  workloads: [...workloads],
});
