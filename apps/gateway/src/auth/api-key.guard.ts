import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import { VIRTUAL_KEY_SECRET_PREFIX } from '@switchyard/contracts';
import type { FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../errors/openai-error.js';
import type { Caller } from './caller.js';
import { CredentialCache } from './credential.cache.js';

const BEARER = /^Bearer +(\S+)$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer realm="switchyard"' };
const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * Every `/v1` route needs a valid virtual key, or the admin key (the gateway's own judge, golden
 * and shadow calls use it). Under `auth: open` (the local demo) anyone may call. The presented
 * key is never echoed back: error messages end up in client logs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly open: boolean;
  private readonly adminDigest: Buffer | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly credentials: CredentialCache,
  ) {
    this.open = config.auth.mode === 'open';
    this.adminDigest = config.admin.key ? digest(config.admin.key) : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authenticate(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }

  /** Sets `req.caller`, or throws the 401; also called by the `/v1` routes that run outside Nest's pipeline. */
  async authenticate(req: FastifyRequest): Promise<void> {
    req.caller = await this.identify(req.headers.authorization);
  }

  async identify(header: string | undefined): Promise<Caller> {
    if (this.open) return { kind: 'open' };
    if (!header?.trim()) {
      throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", 'missing_api_key');
    }
    const presented = BEARER.exec(header.trim())?.[1];
    if (!presented) throw unauthorized("Malformed Authorization header. Send 'Authorization: Bearer <key>'.", 'invalid_api_key');
    if (presented.startsWith(VIRTUAL_KEY_SECRET_PREFIX)) {
      const credential = await this.credentials.find(presented);
      if (credential) return { kind: 'key', credential };
    } else if (this.adminDigest && timingSafeEqual(digest(presented), this.adminDigest)) {
      return { kind: 'admin' };
    }
    throw unauthorized('Incorrect API key provided, or the key is revoked or expired.', 'invalid_api_key');
  }
}

const unauthorized = (message: string, code: string): OpenAiHttpError => new OpenAiHttpError(401, message, 'authentication_error', code, null, CHALLENGE);
