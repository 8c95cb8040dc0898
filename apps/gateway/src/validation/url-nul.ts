import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { OpenAiHttpError } from '../errors/openai-error.js';

/** The first path parameter or query value holding a NUL character, decoded from `%00`. */
export function nulInUrl(params: unknown, query: unknown): string | undefined {
  for (const source of [params, query]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [name, value] of Object.entries(source)) {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (name.includes('\u0000') || values.some((v) => typeof v === 'string' && v.includes('\u0000'))) return name;
    }
  }
  return undefined;
}

/**
 * Refuses a `%00` in a path parameter or query value with a 400 before any route runs. No id,
 * name or filter holds one, and Postgres rejects it in a text parameter: without this, a
 * `/admin/…/a%00b` reached the database and came back as a 500.
 */
export function installUrlNulCheck(app: NestFastifyApplication): void {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.addHook('preValidation', async (req, reply) => {
    const name = nulInUrl(req.params, req.query);
    if (name === undefined) return;
    const error = new OpenAiHttpError(400, 'The URL contains a NUL character (%00), which no parameter accepts.', 'invalid_request_error', 'invalid_value', name.replaceAll('\u0000', '%00'));
    await reply.code(error.status).send(error.toEnvelope());
  });
}
