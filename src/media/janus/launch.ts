// Starts a private Janus for tests, benches and local runs: a config folder in a temp dir with only the
// VideoRoom plugin and the HTTP transport on loopback, a free port and an RTP port range. libnice gathers no
// loopback candidates (with an enforce list of "lo" or 127.0.0.1 it falls back to every interface), so ICE
// runs on this host's own interface addresses: media still never leaves the machine. Production runs Janus as
// a service with its own config (docs/janus.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';

const log = createLogger('media:janus:launch');
export const JANUS_BIN = '/usr/bin/janus';
/** Where distributions put Janus's plugins and transports. */
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus'];
const READY_TIMEOUT_MS = 20_000;

export interface JanusProcess {
  /** The Janus API base URL (JANUS_URL), e.g. http://127.0.0.1:PORT/janus. */
  readonly url: string;
  readonly pid: number;
  /** Janus's log so far. */
  log(): string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  bin?: string;
  /** RTP/RTCP port range; default a random block of 200 ports in 20000-59999. */
  rtpPorts?: [number, number];
  /** Janus debug level 0-7 (default 3: errors and warnings). */
  debugLevel?: number;
}

/** Why Janus cannot be launched here, or null when it can. */
export function janusUnavailable(bin = JANUS_BIN): string | null {
  if (!existsSync(bin)) return `${bin} is absent (apt-get install janus)`;
  if (!janusLibDir()) return `no Janus plugin folder in ${LIB_DIRS.join(', ')}`;
  return null;
}

function janusLibDir(): string | null {
  return (
    LIB_DIRS.find((d) => existsSync(join(d, 'plugins', 'libjanus_videoroom.so'))) ??
    LIB_DIRS.find((d) => existsSync(d)) ??
    null
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function configFiles(dir: string, port: number, rtp: [number, number], debugLevel: number) {
  return {
    'janus.jcfg': `general: {
  configs_folder = "${dir}/conf"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/none"
  loggers_folder = "${dir}/none"
  debug_level = ${debugLevel}
  session_timeout = 60
  server_name = "gazecam"
}
media: {
  rtp_port_range = "${rtp[0]}-${rtp[1]}"
}
nat: {
  nice_debug = false
  ignore_mdns = true
}
`,
    'janus.transport.http.jcfg': `general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  string_ids = false
}
`,
  };
}

/** Starts Janus and resolves once its HTTP API answers. */
export async function launchJanus(opts: LaunchOptions = {}): Promise<JanusProcess> {
  const bin = opts.bin ?? JANUS_BIN;
  const why = janusUnavailable(bin);
  if (why) throw new AppError('CONFIG_INVALID', `cannot start Janus: ${why}`);
  const lib = janusLibDir() as string;
  const dir = await mkdtemp(join(tmpdir(), 'gazecam-janus-'));
  const port = await freePort();
  const base = 20_000 + Math.floor(Math.random() * 199) * 200;
  const rtp = opts.rtpPorts ?? [base, base + 199];
  const files = configFiles(dir, port, rtp, opts.debugLevel ?? 3);
  for (const sub of ['conf', 'plugins', 'transports', 'none']) mkdirSync(join(dir, sub));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'conf', name), text);
  // Only the VideoRoom plugin and the HTTP transport: the folders hold links to just those two.
  symlinkSync(join(lib, 'plugins', 'libjanus_videoroom.so'), join(dir, 'plugins', 'libjanus_videoroom.so'));
  symlinkSync(join(lib, 'transports', 'libjanus_http.so'), join(dir, 'transports', 'libjanus_http.so'));
  const logPath = join(dir, 'janus.log');
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    bin,
    ['-C', join(dir, 'conf', 'janus.jcfg'), '-F', join(dir, 'conf'), '-o', '--interface', '127.0.0.1'],
    { stdio: ['ignore', out, out] },
  );
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}/janus`;
  const close = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  for (;;) {
    if (exited) {
      const text = readLog();
      await close();
      throw new AppError('INTERNAL', `Janus exited at start: ${text.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/info`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > READY_TIMEOUT_MS) {
      await close();
      throw new AppError('INTERNAL', `Janus did not answer on ${url}: ${readLog().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log.debug(`janus ${child.pid} on ${url}, RTP ${rtp[0]}-${rtp[1]}`);
  return { url, pid: child.pid ?? 0, log: readLog, close };
}
