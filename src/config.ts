// Every setting of the server, the agents and the tools, read from the environment in one place and checked with
// zod: a bad value stops `npm start` with the variable's name instead of surfacing later as NaN. Modules ask for
// one setting with `setting(NAME)`; `loadConfig()` checks them all at start. The README's settings table is
// `settingsTable()`, and a test keeps the two in step.
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from './util/errors.ts';

interface Setting<S extends z.ZodType> {
  schema: S;
  /** Environment form of the default (parsed by `schema`); undefined: unset means "none". */
  def?: string | (() => string);
  /** Default as the README shows it. */
  shown?: string;
  doc: string;
}

// Computed here rather than imported: util/paths.ts reads its settings from this module.
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const def = <T extends Setting<z.ZodType>>(s: T) => s;

/** The extension's id: fixed by the public key in extension/static/manifest.json (the same for every install). */
export const GAZECAM_EXTENSION_ID = 'lnnmdcngdhpnjnginilpgmjfcgncakbl';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean),
);

export const SETTINGS = {
  PORT: def({ schema: int(0, 65535), def: '8080', doc: 'HTTP + socket.io port' }),
  HOST: def({
    schema: z.string().min(1),
    def: '127.0.0.1',
    doc: 'listen address (exposing the server is your choice)',
  }),
  ALLOWED_HOSTS: def({
    schema: list,
    def: '',
    shown: 'loopback names + `HOST`',
    doc: 'Host headers served (comma list; an entry without a port matches any port; `*` all); others get 421',
  }),
  ALLOWED_ORIGINS: def({
    schema: list,
    def: '',
    shown: 'the allowed hosts',
    doc: 'Origins that may open the socket.io connection (http and https; `*` all)',
  }),
  CAMERA_ORIGINS: def({
    schema: list,
    def: '*',
    doc: "pages the extension's gazecam camera may run in: their socket.io connections may open a camera session and nothing else (comma list of origins; `*` any page)",
  }),
  EXTENSION_ORIGINS: def({
    schema: list,
    def: () => `chrome-extension://${GAZECAM_EXTENSION_ID}`,
    shown: 'the gazecam extension',
    doc: "Origins that may call the HTTP API from another origin (CORS and Private Network Access preflights): the extension's popup and background (comma list; `*` all)",
  }),
  STATS_TOKEN: def({
    schema: z.string().min(8),
    shown: 'none',
    doc: '`authorization: Bearer <token>` shows `/stats` unredacted (without it, never)',
  }),
  UPLOAD_CONCURRENCY: def({
    schema: int(1, 32),
    def: '2',
    doc: 'identity uploads checked at once (more wait); bodies in flight may hold this many largest forms (80 MB each), more get 503 `BUSY`',
  }),
  UPLOAD_MIN_BYTES_PER_S: def({
    schema: int(1, 1_000_000_000),
    def: '16384',
    doc: 'an upload body must arrive at least this fast on average after `UPLOAD_GRACE_MS`, else 408 `REQUEST_TIMEOUT`',
  }),
  UPLOAD_GRACE_MS: def({
    schema: int(0, 600_000),
    def: '5000',
    doc: 'time an upload body may take before `UPLOAD_MIN_BYTES_PER_S` counts',
  }),
  CONN_MAX: def({
    schema: int(16, 1_000_000),
    def: '4096',
    doc: 'connections (HTTP and socket.io) held open at once; more are answered 503 `BUSY` and closed',
  }),
  CONN_MAX_PER_ADDRESS: def({
    schema: int(2, 1_000_000),
    def: '128',
    doc: 'connections from one client address (IPv6: one /64; `TRUST_PROXY` addresses exempt); more get 503 `BUSY`',
  }),
  SIGNALING_MAX_PER_ADDRESS: def({
    schema: int(1, 1_000_000),
    def: '48',
    doc: 'socket.io sessions from one client address (IPv6: one /64); more get a `BUSY` connect error',
  }),
  TLS_CERT: def({
    schema: z.string().min(1),
    shown: 'none',
    doc: 'PEM certificate: serve HTTPS and wss (with `TLS_KEY`)',
  }),
  TLS_KEY: def({ schema: z.string().min(1), shown: 'none', doc: 'PEM private key of `TLS_CERT`' }),
  TLS_DIR: def({
    schema: z.string().min(1),
    shown: '`.cache/tls`',
    doc: 'where the self-signed certificate for a non-loopback `HOST` is kept',
  }),
  TRUST_PROXY: def({
    schema: z.string().min(1),
    shown: 'none',
    doc: 'comma list of reverse-proxy addresses that terminate TLS: plain HTTP, their X-Forwarded-* believed',
  }),
  ANNOUNCED_IP: def({
    schema: z.union([z.ipv4(), z.ipv6()]),
    shown: 'none',
    doc: "public or NAT address offered first as the SFU's host candidate",
  }),
  RTC_MIN_PORT: def({
    schema: int(1024, 65535),
    shown: 'any',
    doc: 'lowest UDP port of the SFU (with `RTC_MAX_PORT`)',
  }),
  RTC_MAX_PORT: def({ schema: int(1024, 65535), shown: 'any', doc: 'highest UDP port of the SFU' }),
  TURN_URLS: def({
    schema: z.string().min(1),
    shown: 'none',
    doc: 'comma list of `turn:`/`turns:` URLs handed to browsers (with `TURN_SECRET`)',
  }),
  TURN_SECRET: def({
    schema: z.string().min(1),
    shown: 'none',
    doc: "coturn's `static-auth-secret`: short-lived credentials per participant",
  }),
  TURN_TTL_S: def({ schema: int(60, 604_800), def: '3600', doc: 'lifetime of a TURN credential, seconds' }),
  ICE_TRANSPORT_POLICY: def({
    schema: z.enum(['all', 'relay']),
    def: 'all',
    doc: '`relay` makes browsers use TURN only (needs TURN)',
  }),
  SFU: def({
    schema: z.enum(['auto', 'werift', 'janus', 'mediasoup']),
    def: 'auto',
    shown: '`auto`',
    doc: 'SFU backend: `mediasoup`, embedded `werift` or `janus`; `auto`: mediasoup where its worker is built (`npm run build:mediasoup`), else werift',
  }),
  MEDIASOUP_WORKER_BIN: def({
    schema: z.string().min(1),
    def: () =>
      resolve(PROJECT_ROOT, 'node_modules', 'mediasoup', 'worker', 'out', 'Release', 'mediasoup-worker'),
    shown: '`node_modules/mediasoup/worker/out/Release/mediasoup-worker`',
    doc: 'the mediasoup worker binary `npm run build:mediasoup` builds',
  }),
  MEDIASOUP_WORKERS: def({
    schema: int(1, 64),
    def: () => String(availableParallelism()),
    shown: 'one per core',
    doc: 'mediasoup worker processes; rooms are spread over them',
  }),
  MEDIASOUP_TWCC: def({
    schema: z.enum(['0', '1']).transform((v) => v === '1'),
    def: '0',
    doc: '`1`: mediasoup negotiates transport-wide congestion control too (default: REMB only, as werift)',
  }),
  JANUS_URL: def({
    schema: z.url(),
    shown: 'none',
    doc: 'Janus HTTP API with `SFU=janus`, e.g. `http://127.0.0.1:8088/janus` (see docs/janus.md)',
  }),
  JANUS_TWCC: def({
    schema: z.enum(['0', '1']).transform((v) => v === '1'),
    def: '1',
    doc: '`0`: Janus rooms use REMB only, as werift (lower latency on a LAN)',
  }),
  ROOM_MAX_PARTICIPANTS: def({
    schema: int(1, 1000),
    def: '50',
    doc: 'users and clean-feed viewers per room (agents not counted); more get `ROOM_FULL`',
  }),
  SFU_ICE_IPV6: def({
    schema: z.enum(['0', '1']).transform((v) => v === '1'),
    def: '0',
    doc: "`1`: offer this machine's IPv6 addresses too (one more socket per connection)",
  }),
  ORT_PROVIDER: def({
    schema: z.enum(['auto', 'cuda', 'cpu']),
    def: 'auto',
    doc: '`auto`, `cuda` or `cpu`: onnxruntime execution provider, CPU fallback',
  }),
  ORT_THREADS: def({ schema: int(1, 64), def: '1', doc: 'intra-op threads per onnxruntime session' }),
  AVATAR_SIZE: def({
    schema: z.enum(['256', '512']).transform(Number),
    def: '256',
    doc: 'avatar output size in the call, `256` or `512`',
  }),
  GENERATOR_MODEL: def({
    schema: z.string().min(1),
    shown: 'built-in',
    doc: 'path of a replacement generator `.onnx` with the same named inputs/outputs',
  }),
  REGION_RENDERER: def({
    schema: z.enum(['learned', 'classic']),
    def: 'learned',
    doc: 'avatar eyes and mouth: `learned` (region models, classic where one is missing) or `classic`',
  }),
  EYE_CONTACT_RENDERER: def({
    schema: z.enum(['learned', 'classic']),
    def: 'classic',
    doc: "eye contact's eyes: `classic` or `learned` (1-3 deg more on the fixture drivers for ~5 ms a frame)",
  }),
  EYE_CONTACT_FULL_DEG: def({
    schema: z.coerce.number().min(0).max(60),
    def: '20',
    doc: 'eye contact corrects fully while the gaze is within this many degrees of the camera',
  }),
  EYE_CONTACT_NONE_DEG: def({
    schema: z.coerce.number().min(1).max(90),
    def: '30',
    doc: 'eye contact lets go from this angle to the camera on (fading from `EYE_CONTACT_FULL_DEG`); must exceed it',
  }),
  EYE_CONTACT_LOOK_AWAY: def({
    schema: z.enum(['0', '1']).transform((v) => v === '1'),
    def: '1',
    doc: '`1`: redirected eyes glance a few degrees aside now and then (under a second, every 4-9 s); `0`: an unbroken gaze',
  }),
  MODEL_CACHE_DIR: def({
    schema: z.string().min(1),
    def: () => resolve(PROJECT_ROOT, '.cache', 'models'),
    shown: '`.cache/models`',
    doc: 'converted and generated models',
  }),
  IDENTITY_MAX_PER_OWNER: def({
    schema: int(1, 100_000),
    def: '20',
    doc: 'identities one owner (browser profile) may keep; more get 403 `QUOTA_EXCEEDED` before the upload is read',
  }),
  IDENTITY_DIR: def({
    schema: z.string().min(1),
    def: () => resolve(PROJECT_ROOT, '.cache', 'identities'),
    shown: '`.cache/identities`',
    doc: 'uploaded identity photos',
  }),
  SFU_REMB_BPS: def({
    schema: int(100_000, 100_000_000),
    def: '1800000',
    doc: 'bandwidth the SFU grants each video publisher (REMB)',
  }),
  SFU_MAX_PLAYOUT_DELAY_MS: def({
    schema: int(-1, 10_000),
    def: '100',
    doc: 'playout-delay cap sent to subscribers (`-1`: none)',
  }),
  SFU_ICE_HOSTS: def({
    schema: list,
    def: '',
    shown: 'none',
    doc: 'extra host candidates (comma list), e.g. a LAN address',
  }),
  AGENT_PROCESSOR_MODULE: def({
    schema: z.string().min(1),
    shown: 'the frame pipeline',
    doc: 'module exporting `createFrameProcessor` for the agents, or `passthrough` (the camera unchanged)',
  }),
  AGENT_POOL_SIZE: def({
    schema: int(0, 8),
    def: '1',
    doc: 'warm agents kept ready with their models loaded (0-8); refilled 5 s after one is taken and when an agent ends',
  }),
  AGENT_NICENESS: def({
    schema: int(0, 19),
    def: '10',
    doc: 'CPU niceness of agent processes (0-19): inference yields the CPU to the SFU',
  }),
  AGENT_MAX: def({
    schema: int(0, 64),
    shown: 'measured at start (`4` without fixtures)',
    doc: "most agents on this server (one per participant); one more answers `AGENT_LIMIT`. Unset: sized from the pipeline's cost measured by the first warm agent (log line and `/stats`)",
  }),
  AGENT_WATCHDOG_MS: def({
    schema: int(100, 60_000),
    def: '800',
    doc: 'an agent without heartbeat and video this long is hung: replaced (avatar held meanwhile); a slow one (beating, late) keeps its user',
  }),
  AGENT_START_TIMEOUT_MS: def({
    schema: int(1000, 600_000),
    def: '30000',
    doc: 'an agent whose video has not started this long after launch is replaced',
  }),
  AGENT_MAX_RESTARTS: def({
    schema: int(0, 100),
    def: '5',
    doc: 'consecutive lost agents (back-off 0.25 s doubling to 8 s) before giving up until the mode is turned on again',
  }),
  AGENT_WORKERS: def({
    schema: z.enum(['local', 'remote', 'auto']),
    def: 'local',
    doc: '`local`: agents run on this server; `remote`: on inference workers (`npm run worker`); `auto`: a worker when one has room, else here',
  }),
  WORKER_TOKEN: def({
    schema: z.string().min(16),
    shown: 'none',
    doc: 'shared secret inference workers present (16+ characters); without it no worker is admitted',
  }),
  REDIS_URL: def({
    schema: z.string().regex(/^rediss?:\/\//),
    shown: 'none',
    doc: 'several server nodes: `redis://host:port` shared by every node (socket.io adapter, room directory); none: one node',
  }),
  NODE_URL: def({
    schema: z.url(),
    shown: 'the listen URL',
    doc: "this node's URL as clients and workers reach it: joins for its rooms on other nodes are redirected there",
  }),
  LOG_LEVEL: def({
    schema: z.enum(['error', 'warn', 'info', 'debug', 'trace']),
    shown: '`info`',
    doc: '`error`, `warn`, `info`, `debug`, `trace` (tests: `warn`)',
  }),
  LOG_NAMESPACES: def({
    schema: list,
    def: '',
    shown: 'all',
    doc: 'comma list narrowing debug output, e.g. `media,inference:onnx`',
  }),
  FIXTURES_DIR: def({
    schema: z.string().min(1),
    def: () => resolve(PROJECT_ROOT, '..', 'shared', 'fixtures'),
    shown: '`../shared/fixtures`',
    doc: 'test material for tests and benchmarks',
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type Value<K extends SettingName> = z.output<(typeof SETTINGS)[K]['schema']>;
type HasDefault<K extends SettingName> = (typeof SETTINGS)[K] extends { def: unknown } ? true : false;
export type SettingValue<K extends SettingName> =
  HasDefault<K> extends true ? Value<K> : Value<K> | undefined;
export type Config = { [K in SettingName]: SettingValue<K> };

type Env = Record<string, string | undefined>;

function parseOne<K extends SettingName>(name: K, env: Env): SettingValue<K> {
  const s: Setting<z.ZodType> = SETTINGS[name];
  const raw = env[name]?.trim() ? env[name] : typeof s.def === 'function' ? s.def() : s.def;
  if (raw === undefined) return undefined as SettingValue<K>;
  const r = s.schema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues.map((i) => i.message).join('; ');
    throw new AppError('CONFIG_INVALID', `${name}=${JSON.stringify(raw)}: ${why}`, { setting: name });
  }
  return r.data as SettingValue<K>;
}

/** Every setting from `env`; throws CONFIG_INVALID naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  const bad: string[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    try {
      out[name] = parseOne(name, env);
    } catch (e) {
      bad.push((e as Error).message);
    }
  }
  const c = out as Config;
  if (!bad.length && !(c.EYE_CONTACT_NONE_DEG > c.EYE_CONTACT_FULL_DEG))
    bad.push(
      `EYE_CONTACT_NONE_DEG=${c.EYE_CONTACT_NONE_DEG}: must exceed EYE_CONTACT_FULL_DEG (${c.EYE_CONTACT_FULL_DEG})`,
    );
  if (bad.length) throw new AppError('CONFIG_INVALID', `invalid settings: ${bad.join(', ')}`);
  return c;
}

/** One setting from this process's environment, checked (cheap: read where it is used, so a test or tool that
 * sets a variable before building a server sees it). */
export function setting<K extends SettingName>(name: K): SettingValue<K> {
  return parseOne(name, process.env);
}

/** The README's settings table (markdown rows), from the list above. */
export function settingsTable(): string {
  const rows = (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const s: Setting<z.ZodType> = SETTINGS[name];
    const shown = s.shown ?? (typeof s.def === 'string' ? `\`${s.def}\`` : 'none');
    return `| \`${name}\` | ${shown} | ${s.doc} |`;
  });
  return ['| variable | default | what |', '|---|---|---|', ...rows].join('\n');
}
