// A real Prometheus (Debian's `prometheus` package) for the end-to-end tests:
// its config and TSDB in a directory the test owns, on a free loopback port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from '../helpers/free-port.js';

export interface RunningPrometheus {
  url: string;
  /** What Prometheus printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` as prometheus.yml in `dir` and its TSDB in
 * `dir`/data (which may already hold blocks), and waits until it is ready.
 */
export async function startPrometheus(dir: string, config: string, extraArgs: readonly string[] = []): Promise<RunningPrometheus> {
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  child.on('error', (err) => (out += `\nprometheus failed to start: ${err.message}`));
  const running = {
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  // Real time: Prometheus is a real process.
  for (let i = 0; ; i++) {
    const ready = await request(`${url}/-/ready`).then(
      (r) => r.statusCode === 200,
      () => false,
    );
    if (ready) return running;
    if (i >= 60) {
      await running.stop();
      assert.fail(`Prometheus did not become ready in 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export type InstantVector = Array<{ metric: Record<string, string>; value: [number, string] }>;

/** An instant query through Prometheus's HTTP API; fails the test on an API error. */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<InstantVector> {
  const res = await request(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.body.json()) as { status: string; error?: string; data: { result: InstantVector } };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data.result;
}

/**
 * Polls `check` every second (real time: Prometheus is a real process) until it returns
 * true or `seconds` pass; `context` adds what helps read a timeout (process output).
 */
export async function eventually(seconds: number, what: string, check: () => Promise<boolean>, context: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${seconds} s waiting for ${what}${context()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
