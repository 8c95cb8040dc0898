import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

export const ADMIN_KEY_ID = /^ak_[0-9a-z]{10,40}$/;
export const adminKeyIdSchema = z.string().regex(ADMIN_KEY_ID, 'a tenant admin key id (ak_…)');

/**
 * Every tenant admin key starts with this. It differs from the virtual keys' `sk-sy-` on purpose:
 * the two credential classes never open each other's doors (`/admin` vs `/v1`), and a scanner or
 * a human can tell a leaked admin key from a leaked API key at a glance.
 */
export const TENANT_ADMIN_KEY_SECRET_PREFIX = 'sk-sya-';

export const createAdminKeyRequestSchema = z.object({ name: z.string().trim().min(1).max(128) }).strict();
export type CreateAdminKeyRequest = z.infer<typeof createAdminKeyRequestSchema>;

/** A tenant admin key as the admin API shows it: never the secret, nor its hash. */
export const adminKeySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  /** The secret's first characters, e.g. `sk-sya-AbCd1234`, to tell keys apart. */
  prefix: z.string(),
  createdAt: timestamp,
  revokedAt: timestamp.nullable(),
});
export type AdminKey = z.infer<typeof adminKeySchema>;

export const adminKeyListResponseSchema = z.object({ data: z.array(adminKeySchema) });
export type AdminKeyListResponse = z.infer<typeof adminKeyListResponseSchema>;

/** The only answer that carries the secret: it is stored hashed and cannot be shown again. */
export const adminKeyWithSecretResponseSchema = adminKeySchema.extend({ secret: z.string().startsWith(TENANT_ADMIN_KEY_SECRET_PREFIX) });
export type AdminKeyWithSecretResponse = z.infer<typeof adminKeyWithSecretResponseSchema>;
