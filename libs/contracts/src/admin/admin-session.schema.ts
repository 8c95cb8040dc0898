import { z } from 'zod';

/**
 * `GET /admin/session`: who the presented admin key is, so a console can show it and hide what the
 * key cannot do. The global admin key has no tenant and no key record: its four ids and names are null.
 */
export const adminSessionSchema = z.object({
  scope: z.enum(['global', 'tenant']),
  tenantId: z.string().nullable(),
  tenantName: z.string().nullable(),
  keyId: z.string().nullable(),
  keyName: z.string().nullable(),
});
export type AdminSession = z.infer<typeof adminSessionSchema>;
