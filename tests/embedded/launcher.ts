import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningStack {
  url: string;
  process: ChildProcess;
  output: string[];
  /** Milliseconds from spawn to the launcher's "ready" line. */
  readyMs: number;
  pids: Map<string, number>;
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s launcher as a user would, on its own port and data directory. */
export async function startStack(dataDir: string, env: Record<string, string> = {}): Promise<RunningStack> {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), FLOTILLA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const pids = new Map<string, number>();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        output.push(line);
        const pid = /^flotilla \| (\w+) started \(pid (\d+)\)/.exec(line);
        if (pid?.[1] && pid[2]) pids.set(pid[1], Number(pid[2]));
        if (/^flotilla \| ready in /.test(line)) resolve(Date.now() - started);
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    void exited.then((code) =>
      reject(new Error(`launcher exited (${code}) before ready:\n${output.join('\n')}`)),
    );
  });
  const readyMs = await ready;
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output,
    readyMs,
    pids,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * What a process listens on, read from /proc: TCP ports (IPv4 and IPv6) and Unix socket paths.
 * A socket is the process's when one of its file descriptors points at the socket's inode.
 */
export function listeningSockets(pid: number): { tcpPorts: number[]; unixPaths: string[] } {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const tcpPorts: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the tenth field.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) {
        tcpPorts.push(Number.parseInt(fields[1]?.split(':')[1] ?? '', 16));
      }
    }
  }
  const unixPaths: string[] = [];
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON (listening); the inode is the seventh field, the path the eighth.
    if (fields[3] === '00010000' && inodes.has(fields[6] ?? '') && fields[7]) unixPaths.push(fields[7]);
  }
  return { tcpPorts, unixPaths };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Signs in as admin through the stack's gateway: the headers of an authenticated JSON request. */
export async function signIn(url: string, password: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (response.status !== 200) throw new Error(`sign-in: ${response.status} ${await response.text()}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
}
