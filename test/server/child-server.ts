// The real server (`node --import tsx src/cli/start.ts`) as a child process on a free port, for tests that
// must see it survive (or measure it) from outside. No warm agents; identities in a temporary folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

export interface ChildServer {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  alive(): boolean;
  /** Peak resident memory of the server process so far (VmHWM), bytes. */
  peakRss(): number;
  rss(): number;
  stop(): Promise<void>;
}

export async function startChildServer(env: Record<string, string> = {}): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gazecam-child-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/start.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', AGENT_POOL_SIZE: '0', IDENTITY_DIR: dir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  proc.once('exit', () => (exited = true));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /gazecam call server: (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  const pid = proc.pid as number;
  const status = (field: string) => {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  return {
    proc,
    pid,
    port: Number(new URL(url).port),
    url,
    alive: () => !exited,
    peakRss: () => status('VmHWM'),
    rss: () => status('VmRSS'),
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: string;
  body: string;
}

/** Sends bytes as they are (no client-side checks) and reads until the server closes or the answer is whole. */
export function rawRequest(
  port: number,
  bytes: string | Buffer,
  opts: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(t);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({
        status: m ? Number(m[1]) : 0,
        headers: head >= 0 ? text.slice(0, head) : text,
        body: head >= 0 ? text.slice(head + 4) : '',
      });
    };
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to ${String(bytes).slice(0, 80)}`));
    }, opts.timeoutMs ?? 20_000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && len && text.length - head - 4 >= Number(len[1])) finish();
    });
    sock.on('error', () => undefined); // a reset after the answer (or instead of it) is judged by status
    sock.on('close', finish);
    // halfClose: the client stops sending mid-body (FIN), as a dropped upload does.
    if (opts.halfClose) sock.end(bytes);
    else sock.write(bytes);
  });
}

/** GET /healthz through the ordinary client: the server still answers. */
export function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ port, host: '127.0.0.1', path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}
