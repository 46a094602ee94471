// The call server: HTTP (static client, /healthz, /stats) + socket.io signaling + the SFU, on one port.
import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setting } from '../config.ts';
import { createSfu } from '../media/index.ts';
import type { Sfu, SfuOptions } from '../media/types.ts';
import { iceNetworkFromEnv } from '../media/werift/config.ts';
import { ClusterNode } from '../scale/cluster.ts';
import { QueueAgents } from '../scale/queue-agents.ts';
import { type RemoteAgents, WorkerAgentLauncher, type WorkerMode } from '../scale/worker-launcher.ts';
import { WorkerPool } from '../scale/worker-pool.ts';
import { WORKER_NAMESPACE } from '../scale/worker-protocol.ts';
import type { AgentLauncher } from '../signaling/agents.ts';
import type { PasscodeGuardOptions } from '../signaling/passcode-guard.ts';
import { SignalingServer } from '../signaling/server.ts';
import { iceConfigFor } from '../signaling/turn-credentials.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { FIXTURES_DIR, PROJECT_ROOT } from '../util/paths.ts';
import { handleCameraRoute } from './camera-routes.ts';
import { ConnectionCap } from './connection-cap.ts';
import { createCors } from './cors.ts';
import { trustedProxiesFromEnv } from './forwarded.ts';
import { createIdentityRoutes } from './identities/routes.ts';
import { isIdentityId } from './identities/store.ts';
import { LoopLagMonitor } from './loop-lag.ts';
import { createOriginPolicy } from './origin-policy.ts';
import { rawPath } from './request-path.ts';
import { guard, sendJson } from './respond.ts';
import { serveStatic } from './static.ts';
import { createStatsView } from './stats-view.ts';
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
  /** Hosts served, comma list (default: env ALLOWED_HOSTS, else loopback names; see origin-policy.ts). */
  allowedHosts?: string;
  /** Origins allowed to open socket.io, comma list (default: env ALLOWED_ORIGINS, else the allowed hosts). */
  allowedOrigins?: string;
  /** Pages the extension's camera may run in, comma list (default: env CAMERA_ORIGINS, `*`). */
  cameraOrigins?: string;
  /** Origins that may call the HTTP API cross-origin (default: env EXTENSION_ORIGINS, the extension's). */
  extensionOrigins?: string[];
  /** Operator token that unredacts /stats (default: env STATS_TOKEN; none = always redacted). */
  statsToken?: string;
  /** HTTPS: default from env TLS_CERT/TLS_KEY, else self-signed for a non-loopback host (tls/options.ts);
   * null forces plain HTTP. */
  tls?: TlsConfig | null;
  /** Inference workers: where agents run (default env AGENT_WORKERS) and the secret workers present (default
   * env WORKER_TOKEN). `launcher` is the local one (`auto` falls back to it). */
  workers?: { mode?: WorkerMode; token?: string };
  /** Several server nodes on one Redis (default env REDIS_URL and NODE_URL; null: this node alone). */
  cluster?: { redisUrl?: string; nodeUrl?: string } | null;
  /** Identities one owner may keep (default env IDENTITY_MAX_PER_OWNER). */
  identities?: { maxPerOwner?: number };
  /** Identity uploads: checks at once and the body deadline (default env UPLOAD_*). */
  uploads?: { concurrency?: number; minBytesPerSec?: number; graceMs?: number };
  /** Passcode back-off (tests lengthen or shorten it). */
  passcodes?: PasscodeGuardOptions;
  /** Connection caps (default env CONN_MAX, CONN_MAX_PER_ADDRESS, SIGNALING_MAX_PER_ADDRESS). */
  connections?: { max?: number; perAddress?: number; signalingPerAddress?: number };
}

export interface App {
  readonly url: string;
  readonly http: Server;
  /** The certificate served (null: plain HTTP). */
  readonly tls: TlsConfig | null;
  readonly sfu: Sfu;
  readonly signaling: SignalingServer;
  /** Registered inference workers (null when AGENT_WORKERS is `local`). */
  readonly workers: WorkerPool | null;
  /** This node's place among several (null: one node). */
  readonly cluster: ClusterNode | null;
  close(): Promise<void>;
}

export function defaultClientDir(): string {
  const dist = resolve(PROJECT_ROOT, 'client', 'dist');
  return existsSync(resolve(dist, 'index.html')) ? dist : resolve(PROJECT_ROOT, 'client');
}

export async function startApp(opts: AppOptions = {}): Promise<App> {
  const port = opts.port ?? setting('PORT');
  const host = opts.host ?? setting('HOST');
  const clientDir = opts.clientDir ?? defaultClientDir();
  const tls = opts.tls === undefined ? resolveTls(host) : opts.tls;
  // Bad TURN/ICE settings stop the start here, not the first join.
  iceConfigFor('settings-check');
  log.debug('SFU host candidates', iceNetworkFromEnv());
  const sfu = createSfu(opts.sfu);
  let url = '';
  let signaling: SignalingServer | null = null;
  const identities = createIdentityRoutes({
    dir: opts.identityDir,
    uploads: opts.uploads,
    maxPerOwner: opts.identities?.maxPerOwner,
  });
  const loopLag = new LoopLagMonitor();
  let servedPort = port;
  const policy = createOriginPolicy({
    port: () => servedPort,
    host,
    allowedHosts: opts.allowedHosts,
    allowedOrigins: opts.allowedOrigins,
    cameraOrigins: opts.cameraOrigins,
  });
  const cors = createCors(opts.extensionOrigins);
  const statsView = createStatsView(opts.statsToken);
  let caps: ConnectionCap | null = null;
  const handler: RequestListener = (req, res) =>
    guard(req, res, () => {
      if (caps?.refusedOn(req)) res.setHeader('connection', 'close');
      caps?.check(req);
      if (!policy.hostAllowed(req)) {
        throw new AppError('HOST_NOT_ALLOWED', `host ${req.headers.host ?? '(none)'} is not served here`);
      }
      if (cors.handle(req, res)) return;
      if (signaling && handleCameraRoute(req, res, signaling.cameras)) return;
      if (identities.handle(req, res)) return;
      const path = rawPath(req);
      if (path === '/healthz') return sendJson(res, 200, { ok: true });
      if (path === '/stats') {
        const stats = {
          ...signaling?.stats(),
          workers: workers?.workers(),
          agentJobs: remoteAgents?.jobs(),
          eventLoopLagMs: loopLag.last,
        };
        return sendJson(res, 200, statsView.render(req, stats), { 'cache-control': 'no-store' });
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && serveStatic(clientDir, req, res)) return;
      throw new AppError('NOT_FOUND', `no route ${path}`);
    });
  // socket.io rides on the same server: wss:// when it is HTTPS.
  // Slow headers are cut after 10 s (checked every second; Node's defaults are 60 s and 30 s).
  const timeouts = { headersTimeout: 10_000, connectionsCheckingInterval: 1000 };
  const http: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...timeouts }, handler)
    : createServer(timeouts, handler);
  const exempt = trustedProxiesFromEnv();
  caps = new ConnectionCap(http, {
    max: opts.connections?.max ?? setting('CONN_MAX'),
    perAddress: opts.connections?.perAddress ?? setting('CONN_MAX_PER_ADDRESS'),
    exempt,
    tls: tls !== null,
  });
  const connectionCap = caps;
  // Agents connect back to this URL: over TLS they pin this server's certificate.
  const local = opts.launcher && tls ? launcherTrusting(opts.launcher, tls.cert) : opts.launcher;
  const workerMode = opts.workers?.mode ?? setting('AGENT_WORKERS');
  let workers: WorkerPool | null = null;
  let remoteAgents: RemoteAgents | null = null;
  let queue: QueueAgents | null = null;
  let remote: WorkerAgentLauncher | null = null;
  // The worker pool needs socket.io, which signaling creates: launches go through it once both exist.
  const viaWorkers: AgentLauncher = {
    launch: (o) => (remote as WorkerAgentLauncher).launch(tls ? { ...o, serverCert: tls.cert } : o),
  };
  const launcher = workerMode === 'local' ? local : viaWorkers;
  const redisUrl = opts.cluster === null ? undefined : (opts.cluster?.redisUrl ?? setting('REDIS_URL'));
  // Joins wait for the node's Redis connection (made once the URL is known, after listen).
  let cluster: ClusterNode | null = null;
  let clusterReady: (c: ClusterNode) => void = () => {};
  const clusterUp = new Promise<ClusterNode>((r) => {
    clusterReady = r;
  });
  signaling = new SignalingServer(http, {
    placement: redisUrl
      ? {
          claim: async (room) => (await clusterUp).rooms.claim(room),
          release: (room) => cluster?.rooms.release(room),
        }
      : undefined,
    sfu,
    launcher,
    passcodes: opts.passcodes,
    serverUrl: () => url,
    allowRequest: (req) => {
      connectionCap.check(req); // a refused connection's handshake: a coded error, not a session
      return policy.originAllowed(req);
    },
    maxPerAddress: {
      sessions: opts.connections?.signalingPerAddress ?? setting('SIGNALING_MAX_PER_ADDRESS'),
      exempt,
    },
    allowCameraPage: (req) => policy.cameraPageAllowed(req),
    // Only the owner wears an identity; the shared fixture portraits (tests, demos) are anyone's.
    canUseIdentity: async (owner, id) =>
      isIdentityId(id)
        ? owner !== null && (await identities.store.owns(owner, id))
        : /^[A-Za-z0-9_-]+$/.test(id) && existsSync(resolve(FIXTURES_DIR, 'identities', `${id}.jpg`)),
  });
  if (workerMode !== 'local' && !redisUrl) {
    const token = opts.workers?.token ?? setting('WORKER_TOKEN') ?? '';
    if (!token) log.warn(`AGENT_WORKERS=${workerMode} without WORKER_TOKEN: no worker can register`);
    workers = new WorkerPool(signaling.io.of(WORKER_NAMESPACE), token);
    remoteAgents = workers;
    remote = new WorkerAgentLauncher(workers, workerMode, local);
  }
  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(port, host, () => res());
  });
  const addr = http.address() as AddressInfo;
  servedPort = addr.port;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  url = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
  if (redisUrl) {
    const nodeUrl = opts.cluster?.nodeUrl ?? setting('NODE_URL') ?? url;
    try {
      cluster = await ClusterNode.join(signaling.io, { redisUrl, nodeUrl });
      if (workerMode !== 'local') {
        // Several nodes: agents come from the shared Redis queue and connect to this node by its public URL.
        const q = await QueueAgents.open(cluster.redis);
        queue = q;
        remoteAgents = q;
        remote = new WorkerAgentLauncher(
          { start: (o, must) => q.start({ ...o, serverUrl: nodeUrl }, must), jobs: () => q.jobs() },
          workerMode,
          local,
        );
      }
    } catch (e) {
      await queue?.close();
      await cluster?.close();
      await signaling.close();
      sfu.close();
      throw new AppError('CONFIG_INVALID', `REDIS_URL: cannot reach ${redisUrl}: ${(e as Error).message}`);
    }
    clusterReady(cluster);
  }
  log.info(`listening on ${url}${tls ? ` (${tls.source} certificate, SHA-256 ${tls.fingerprint})` : ''}`);
  let closed = false;
  const sig = signaling;
  return {
    url,
    http,
    tls,
    sfu,
    signaling: sig,
    workers,
    cluster,
    async close() {
      if (closed) return;
      closed = true;
      loopLag.close();
      await identities.close();
      await sig.close(); // closes rooms, agents and the HTTP server (socket.io owns it now)
      workers?.close();
      await queue?.close();
      await cluster?.close();
      sfu.close();
      http.closeAllConnections?.();
    },
  };
}
