/** A dataset's console page; a tenant's dataset is named with its tenant, since names are unique per owner. */
export function datasetLink(name: string, tenantId: string | null): string {
  return `/datasets/${encodeURIComponent(name)}${tenantQuery(tenantId)}`;
}

/** The `?tenantId=` the admin API needs to read a tenant's dataset with the global key. */
export function tenantQuery(tenantId: string | null | undefined): string {
  return tenantId ? `?tenantId=${encodeURIComponent(tenantId)}` : '';
}
