#!/usr/bin/env node
// Run after `npm install` changes package-lock.json: `npm run lock:stubs`.
//
// Why: the npm registry mirror on our machines does not serve every platform build of packages
// such as @swc/core (darwin, win32, ...). npm then leaves those optional dependencies out of the
// lockfile, and `npm ci` refuses a lockfile that lacks them. A stub entry marked optional, without
// a tarball, satisfies the check; on a platform that needs the real build npm fetches it, and where
// it cannot, npm skips it as it skips any failed optional dependency.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = { version, optional: true, ...(meta.dev ? { dev: true } : {}) };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform stub(s) added`);
