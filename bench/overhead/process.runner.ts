import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A child process of the bench: the upstream, a proxy or a gateway under load. */
export interface BenchProcess {
  name: string;
  pid: number;
  logPath: string;
  /** utime + stime of the process so far, in seconds (from /proc/<pid>/stat). */
  cpuSeconds(): number;
  /** Resident set now and its peak so far, in MB (from /proc/<pid>/status). */
  memory(): { rssMb: number; peakRssMb: number };
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
let clockTicks = 0;

/** Kills every child still running; called on exit, on signals and on a crash of the bench itself. */
export function killAllChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}
process.once('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

/** A port that was free a moment ago, for a child that needs one before it starts. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

const ticksPerSecond = (): number => {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // Linux's USER_HZ everywhere we run.
    }
  }
  return clockTicks;
};

/** utime + stime of a process, in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

export function processMemory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
}

export interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  logPath: string;
  /** Answers (any HTTP status) once the process serves. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

/** Starts `node <args>` with its output in a log file, and waits until `readyUrl` answers. */
export async function spawnNode(options: SpawnOptions): Promise<BenchProcess> {
  const log = createWriteStream(options.logPath);
  const child = spawn(process.execPath, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not start node`);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} before serving; see ${options.logPath}`);
    try {
      await fetch(options.readyUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${options.name} did not serve ${options.readyUrl} in time; see ${options.logPath}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name: options.name,
    pid,
    logPath: options.logPath,
    cpuSeconds: () => processCpuSeconds(pid),
    memory: () => processMemory(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
      log.end();
    },
  };
}
