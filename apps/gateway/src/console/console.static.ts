import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { envelope } from '../errors/openai-error.js';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

// Vite puts a content hash in every asset's name, so an asset never changes under its URL; index.html names the current ones.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

/**
 * Serves the review console's static build at `/console/`. Paths that are not files answer
 * index.html, so the SPA's own routes (/console/diffs/abc) survive a reload; a missing asset
 * answers 404 instead, so a stale index.html fails loudly rather than running HTML as a script.
 * No admin key here: the files hold no secrets, and the console sends the key on its API calls.
 */
export async function installConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  const root = resolve(dir);
  await app.register(async (scope: FastifyInstance) => {
    // Only reply.sendFile (send's traversal and range handling); the routes below decide what to send.
    // preCompressed: the build's .br/.gz twin of a file goes to clients that accept it.
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, suppressWarning: true, preCompressed: true });
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });

    scope.get('/console', async (_req, reply) => reply.redirect('/console/', 302));

    scope.get<{ Params: { '*': string } }>('/console/*', async (req, reply) => {
      const path = req.params['*'];
      const full = resolve(root, path);
      if (path !== '' && full.startsWith(root + sep) && (await isFile(full))) {
        return reply.header('cache-control', path.startsWith('assets/') ? IMMUTABLE : NO_CACHE).sendFile(path);
      }
      if (path.startsWith('assets/')) return notFound(reply, `No console asset '${path}'. The console may have been rebuilt: reload the page.`);
      if (!(await isFile(resolve(root, 'index.html')))) return notFound(reply, `The console is not built (no index.html in ${root}). Run \`npm run build:console\`.`);
      return reply.header('cache-control', NO_CACHE).sendFile('index.html');
    });
  });
}

const notFound = (reply: FastifyReply, message: string): FastifyReply => reply.code(404).header('cache-control', NO_CACHE).send(envelope(message, 'invalid_request_error', 'not_found'));
