import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The floor of a Chromium navigation here: one tiny HTML document with the same labelled input, no script, no CSS. */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Baseline</title>
  </head>
  <body>
    <main>
      <h1>Baseline</h1>
      <form><label for="key">Admin key</label> <input id="key" name="adminKey" type="password" required autofocus /></form>
    </main>
  </body>
</html>
`;

export interface BaselinePage {
  url: string;
  close(): Promise<void>;
}

/** A bare node:http server on loopback answering every GET with the page (a favicon request gets 404). */
export async function startBaselinePage(): Promise<BaselinePage> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
