import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@switchyard/config';
import type { FastifyError, FastifyInstance } from 'fastify';
import { type GatewayInfra, GatewayModule } from './gateway.module.js';

/**
 * Every body is read as JSON whatever its content type: clients (and curl -d) often omit or
 * mislabel it, and the OpenAI API accepts only JSON anyway.
 */
function installJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown);
    } catch (err) {
      const error = new Error((err as Error).message) as FastifyError;
      error.statusCode = 400;
      error.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(error, undefined);
    }
  });
}

export async function createGatewayApp(config: AppConfig, infra: GatewayInfra): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, keepAliveTimeout: 75_000, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, infra), adapter, {
    logger: new Logger('Gateway'),
    // Our own parser (below) reads every body; Nest's would only cover application/json.
    bodyParser: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installJsonParser(fastify, config.bodyLimitBytes);
  app.enableShutdownHooks();
  await app.init();
  return app;
}
