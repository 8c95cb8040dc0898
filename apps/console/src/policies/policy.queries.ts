import type { ActivePolicyResponse, PolicyActivationListResponse, PolicyDiffResponse, PolicyVersion, PolicyVersionListResponse } from '@switchyard/contracts';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useApi } from '../auth/session.context';

/** Every key starts with 'policy' (not 'policy-diff', which the diffs pages use for proposals). */
export const policyKeys = {
  active: ['policy', 'active'] as const,
  versions: (limit: number) => ['policy', 'versions', limit] as const,
  version: (id: string) => ['policy', 'version', id] as const,
  diff: (from: string | null, to: string | null) => ['policy', 'diff', { from, to }] as const,
  activations: (limit: number) => ['policy', 'activations', limit] as const,
};

export function useActivePolicy() {
  const api = useApi();
  return useQuery({ queryKey: policyKeys.active, queryFn: ({ signal }) => api.get<ActivePolicyResponse>('/admin/policy', undefined, signal) });
}

/** Newest first; each page continues after the previous page's last id. */
export function usePolicyVersions(limit = 20) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: policyKeys.versions(limit),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get<PolicyVersionListResponse>('/admin/policy/versions', { limit, before: pageParam }, signal),
    getNextPageParam: (last) => (last.hasMore && last.nextBefore ? last.nextBefore : undefined),
  });
}

export function usePolicyVersion(id: string | null | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.version(id ?? ''),
    queryFn: ({ signal }) => api.get<PolicyVersion>(`/admin/policy/versions/${encodeURIComponent(id ?? '')}`, undefined, signal),
    enabled: Boolean(id),
    // A stored version never changes.
    staleTime: Infinity,
  });
}

/** The API fills in what is missing: `to` is the active version, `from` its parent. */
export function usePolicyDiff(from: string | null, to: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.diff(from, to),
    queryFn: ({ signal }) => api.get<PolicyDiffResponse>('/admin/policy/diff', { from, to }, signal),
  });
}

export function usePolicyActivations(limit = 50) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.activations(limit),
    queryFn: ({ signal }) => api.get<PolicyActivationListResponse>('/admin/policy/activations', { limit }, signal),
  });
}

/** Where two versions are compared. */
export function compareHref(from: string, to: string): string {
  return `/policies/compare?${new URLSearchParams({ from, to }).toString()}`;
}

export function versionHref(id: string): string {
  return `/policies/versions/${encodeURIComponent(id)}`;
}
