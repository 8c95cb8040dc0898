import fastifyMultipart from '@fastify/multipart';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@switchyard/config';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AdminKeyGuard } from './admin/admin-key.guard.js';
import { ChatCompletionsController } from './chat-completions/chat-completions.controller.js';
import { installConsole } from './console/console.static.js';
import { DATASET_LIMITS, type DatasetLimits } from './admin/datasets/datasets-admin.tokens.js';
import { clientErrorHandler, frameworkErrors } from './errors/fastify-error.handlers.js';
import { OpenAiHttpError } from './errors/openai-error.js';
import { type GatewayInfra, GatewayModule } from './gateway.module.js';
import { isUploadRoute } from './validation/upload-route.js';
import { parseJsonBody } from './validation/json-body.js';
import { installUrlNulCheck } from './validation/url-nul.js';

/**
 * Every body is read as JSON whatever its content type: clients (and curl -d) often omit or
 * mislabel it, and the OpenAI API accepts only JSON anyway. Upload routes (`UPLOAD_ROUTE`) are the
 * exception: they get the raw bytes, within their own limit, and read multipart forms themselves.
 */
export async function installBodyParsers(app: NestFastifyApplication, limits: { bodyLimit: number; uploadBodyLimit: number }): Promise<void> {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  // onRoute hooks run before a route is built, so the limit set here is the one its body is read with.
  fastify.addHook('onRoute', (route) => {
    if (isUploadRoute(route.config)) route.bodyLimit = limits.uploadBodyLimit;
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.bodyLimit }, (req, body: Buffer, done) => {
    if (isUploadRoute(req.routeOptions.config)) return done(null, body);
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, parseJsonBody(body));
    } catch (err) {
      const error = new Error((err as Error).message) as FastifyError;
      error.statusCode = 400;
      error.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(error, undefined);
    }
  });
  // Parses nothing itself: it marks multipart requests, which an upload route then streams (others see no body).
  await app.register(fastifyMultipart);
}

/**
 * Upload routes take up to tens of megabytes: the admin key (global or tenant) is checked on the
 * request line, before Fastify reads the body, so a caller without one cannot make the gateway
 * buffer one. A refusal here is audit-logged like the guard's own; which routes a tenant admin key
 * may use is still decided by the guard, once the body is read.
 */
export function installUploadKeyCheck(app: NestFastifyApplication, guard: AdminKeyGuard): void {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (req, reply) => {
    if (!isUploadRoute(req.routeOptions.config)) return;
    try {
      await guard.authenticate(req, reply);
    } catch (err) {
      if (!(err instanceof OpenAiHttpError)) throw err;
      await reply.code(err.status).headers(err.headers).send(err.toEnvelope());
    }
  });
}

export async function createGatewayApp(config: AppConfig, infra: GatewayInfra): Promise<NestFastifyApplication> {
  // Requests refused before any route runs (by Node's parser or Fastify's router) get the OpenAI envelope too.
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, keepAliveTimeout: 75_000, return503OnClosing: true, clientErrorHandler, frameworkErrors });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, infra), adapter, {
    logger: new Logger('Gateway'),
    // Our own parser (below) reads every body; Nest's would only cover application/json.
    bodyParser: false,
    abortOnError: false,
  });
  await installBodyParsers(app, { bodyLimit: config.bodyLimitBytes, uploadBodyLimit: app.get<DatasetLimits>(DATASET_LIMITS, { strict: false }).maxBytes });
  // Any module's guard will do: they share the global tenant key cache and audit log.
  installUploadKeyCheck(app, app.get(AdminKeyGuard, { strict: false }));
  installUrlNulCheck(app);
  app.get(ChatCompletionsController).register(app.getHttpAdapter().getInstance());
  await installConsole(app, config.console.dir);
  app.enableShutdownHooks();
  await app.init();
  return app;
}
