// The call server: HTTP (static client, /healthz, /stats) + socket.io signaling + the SFU, on one port.
import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createSfu } from '../media/index.ts';
import type { Sfu, SfuOptions } from '../media/types.ts';
import { iceNetworkFromEnv } from '../media/werift/config.ts';
import type { AgentLauncher } from '../signaling/agents.ts';
import { SignalingServer } from '../signaling/server.ts';
import { iceConfigFor } from '../signaling/turn-credentials.ts';
import { createLogger } from '../util/logger.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { createIdentityRoutes } from './identities/routes.ts';
import { LoopLagMonitor } from './loop-lag.ts';
import { serveStatic } from './static.ts';
import { launcherTrusting } from './tls/agent-trust.ts';
import { resolveTls, type TlsConfig } from './tls/options.ts';

const log = createLogger('server:app');

export interface AppOptions {
  /** Default: env PORT or 8080; 0 picks a free port. */
  port?: number;
  /** Default: env HOST or 127.0.0.1 (exposing the server beyond this machine is a choice). */
  host?: string;
  /** Directory of the web client (default: client/dist when built, else client/). */
  clientDir?: string;
  launcher?: AgentLauncher;
  sfu?: SfuOptions;
  /** Identity store folder (default: env IDENTITY_DIR or .cache/identities). */
  identityDir?: string;
  /** HTTPS: default from env TLS_CERT/TLS_KEY, else self-signed for a non-loopback host (tls/options.ts);
   * null forces plain HTTP. */
  tls?: TlsConfig | null;
}

export interface App {
  readonly url: string;
  readonly http: Server;
  /** The certificate served (null: plain HTTP). */
  readonly tls: TlsConfig | null;
  readonly sfu: Sfu;
  readonly signaling: SignalingServer;
  close(): Promise<void>;
}

export function defaultClientDir(): string {
  const dist = resolve(PROJECT_ROOT, 'client', 'dist');
  return existsSync(resolve(dist, 'index.html')) ? dist : resolve(PROJECT_ROOT, 'client');
}

export async function startApp(opts: AppOptions = {}): Promise<App> {
  const port = opts.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const clientDir = opts.clientDir ?? defaultClientDir();
  const tls = opts.tls === undefined ? resolveTls(host) : opts.tls;
  // Bad TURN/ICE settings stop the start here, not the first join.
  iceConfigFor('settings-check');
  log.debug('SFU host candidates', iceNetworkFromEnv());
  const sfu = createSfu(opts.sfu);
  let url = '';
  let signaling: SignalingServer | null = null;
  const identities = createIdentityRoutes({ dir: opts.identityDir });
  const loopLag = new LoopLagMonitor();
  const handler: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...signaling?.stats(), eventLoopLagMs: loopLag.last }));
      return;
    }
    if (identities.handle(req, res)) return;
    if ((req.method === 'GET' || req.method === 'HEAD') && serveStatic(clientDir, req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: `no route ${path}` } }));
  };
  // socket.io rides on the same server: wss:// when it is HTTPS.
  const http: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createServer(handler);
  // Agents connect back to this URL: over TLS they pin this server's certificate.
  const launcher = opts.launcher && tls ? launcherTrusting(opts.launcher, tls.cert) : opts.launcher;
  signaling = new SignalingServer(http, { sfu, launcher, serverUrl: () => url });
  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(port, host, () => res());
  });
  const addr = http.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  url = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
  log.info(`listening on ${url}${tls ? ` (${tls.source} certificate, SHA-256 ${tls.fingerprint})` : ''}`);
  let closed = false;
  const sig = signaling;
  return {
    url,
    http,
    tls,
    sfu,
    signaling: sig,
    async close() {
      if (closed) return;
      closed = true;
      loopLag.close();
      await identities.close();
      await sig.close(); // closes rooms, agents and the HTTP server (socket.io owns it now)
      sfu.close();
      http.closeAllConnections?.();
    },
  };
}
