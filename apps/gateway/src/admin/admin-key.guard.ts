import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { ADMIN_KEY } from './policy-admin.tokens.js';

const BEARER = /^Bearer +(\S+)$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer realm="switchyard-admin"' };

// Comparing digests keeps the comparison constant-time whatever the presented key's length.
const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** Admin routes need `Authorization: Bearer <admin key>`. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(ADMIN_KEY) adminKey: string) {
    // No key configured must not mean "any key", nor "the empty key".
    this.expected = adminKey ? digest(adminKey) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    this.verify(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    return true;
  }

  /** Throws the 401 to send unless `header` carries the admin key. Also used before upload bodies are read. */
  verify(header: string | undefined): void {
    if (!this.expected) throw unauthorized('The admin API is disabled: no admin key is configured.', 'admin_api_disabled');
    if (!header?.trim()) throw unauthorized("Missing admin key. Send it as 'Authorization: Bearer <admin key>'.", 'missing_admin_key');
    const presented = BEARER.exec(header.trim())?.[1];
    if (!presented) throw unauthorized("Malformed Authorization header. Send 'Authorization: Bearer <admin key>'.", 'invalid_admin_key');
    if (!timingSafeEqual(digest(presented), this.expected)) throw unauthorized('Incorrect admin key provided.', 'invalid_admin_key');
  }
}

const unauthorized = (message: string, code: string): OpenAiHttpError => new OpenAiHttpError(401, message, 'authentication_error', code, null, CHALLENGE);
