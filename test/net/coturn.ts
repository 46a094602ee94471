// A real coturn for the tests, on loopback: REST-API credentials (use-auth-secret), UDP relays on loopback, no
// TLS/DTLS, no CLI. Started on a free port and ready once it answers an unauthenticated Allocate with 401.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTurn } from './turn-allocate.ts';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
export const turnserverMissing = (): string =>
  existsSync(TURNSERVER) ? '' : `no coturn at ${TURNSERVER} (apt-get install coturn; .ci/run does)`;

export interface Coturn {
  host: string;
  port: number;
  realm: string;
  secret: string;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  /** What coturn printed (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

async function freeUdpPort(host: string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startCoturn(host = '127.0.0.1'): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
  const port = await freeUdpPort(host);
  const secret = randomBytes(16).toString('hex');
  const realm = 'gazecam.test';
  // Relay ports from a range unlikely to collide with werift's and Chromium's ephemeral ports.
  const minPort = 49200 + Math.floor(Math.random() * 100) * 10;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      `--listening-ip=${host}`,
      `--relay-ip=${host}`,
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 199}`,
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-tcp',
      '--no-rfc5780',
      '--no-software-attribute',
      '--fingerprint',
      `--userdb=${join(dir, 'turndb')}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`turnserver exited (${child.exitCode}): ${out}`);
      const code = await probeTurn(host, port, 500).catch(() => 0);
      if (code === 401) break;
      if (i >= 40) throw new Error(`turnserver not answering on ${host}:${port}: ${out}`);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    host,
    port,
    realm,
    secret,
    url: `turn:${host}:${port}?transport=udp`,
    log: () => out,
    close,
  };
}
