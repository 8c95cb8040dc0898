import { Logger } from '@nestjs/common';
import { runProcess } from '@switchyard/runtime';
import { Redis } from 'ioredis';
import { createGatewayApp } from './gateway.bootstrap.js';

runProcess('gateway', async (config, infra) => {
  // The request path never waits on Redis: no offline queue, one try per command.
  const redis = new Redis(infra.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (e: Error) => new Logger('Redis').warn(e.message));
  const app = await createGatewayApp(config, { database: infra.database, redis });
  await app.listen({ port: config.port, host: config.host });
  if (config.admin.generated) {
    new Logger('Gateway').warn(`SWITCHYARD_ADMIN_KEY is not set; this process's admin key is ${config.admin.key} (development only)`);
  }
  if (config.auth.mode === 'open') {
    new Logger('Gateway').warn(
      '*** AUTH IS OPEN: anyone who can reach this port may call /v1, with no key, budget or rate limit. For a local demo only; set auth.mode: keys for anything else. ***',
    );
  }
  new Logger('Gateway').log(`listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (config ${config.configPath})`);
  return {
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
});
