import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The real process lifecycle: a child built on runService, signalled like a container would be.
const kitSource = fileURLToPath(new URL('../src/index.ts', import.meta.url));

function slowService(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-run-'));
  const file = join(dir, 'main.mts');
  writeFileSync(
    file,
    `import { createService, runService } from ${JSON.stringify(kitSource)};
await runService(async () => ({
  listen: { port: 0, host: '127.0.0.1' },
  app: await createService({
    name: 'slow',
    logLevel: 'silent',
    routes(app) {
      app.get('/slow', { config: { access: 'public' } }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return { finished: true };
      });
    },
  }),
}));
`,
  );
  return file;
}

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

function start(): Promise<number> {
  child = fork(slowService(), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child?.on('message', (message: { type: string; port: number }) => {
      if (message.type === 'listening') resolve(message.port);
    });
    child?.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
}

describe('runService', () => {
  it('finishes an in-flight request after SIGTERM, then exits 0', async () => {
    const port = await start();
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`).then(async (response) => ({
      status: response.status,
      body: await response.json(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child?.kill('SIGTERM');
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
  });
});
