// One logger for the whole project, namespaced per module. Level from LOG_LEVEL (error|warn|info|debug|trace);
// LOG_NAMESPACES (comma list, prefix match, e.g. "media,inference:tracker") narrows debug/trace output.
import { setting } from '../config.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

function envLevel(): LogLevel {
  let chosen: LogLevel | undefined;
  try {
    chosen = setting('LOG_LEVEL');
  } catch {
    // A bad LOG_LEVEL must not stop the logger that reports it; loadConfig() at start names it.
  }
  // Tests stay quiet unless asked.
  return chosen ?? (process.env.VITEST ? 'warn' : 'info');
}

const level = envLevel();
const namespaces = setting('LOG_NAMESPACES');

export interface Logger {
  readonly namespace: string;
  error(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  debug(msg: string, extra?: unknown): void;
  trace(msg: string, extra?: unknown): void;
  child(sub: string): Logger;
  enabled(l: LogLevel): boolean;
}

function nsAllowed(ns: string, l: LogLevel): boolean {
  if (ORDER[l] <= ORDER.info || namespaces.length === 0) return true;
  return namespaces.some((n) => ns === n || ns.startsWith(`${n}:`));
}

function format(extra: unknown): string {
  if (extra === undefined) return '';
  if (extra instanceof Error) return ` ${extra.stack ?? extra.message}`;
  try {
    return ` ${JSON.stringify(extra)}`;
  } catch {
    return ` ${String(extra)}`;
  }
}

export function createLogger(namespace: string): Logger {
  const enabled = (l: LogLevel) => ORDER[l] <= ORDER[level] && nsAllowed(namespace, l);
  const emit = (l: LogLevel, msg: string, extra?: unknown) => {
    if (!enabled(l)) return;
    const line = `${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} [${namespace}] ${msg}${format(extra)}\n`;
    // stderr keeps stdout free for JSON output of the CLIs and benches.
    process.stderr.write(line);
  };
  return {
    namespace,
    error: (m, e) => emit('error', m, e),
    warn: (m, e) => emit('warn', m, e),
    info: (m, e) => emit('info', m, e),
    debug: (m, e) => emit('debug', m, e),
    trace: (m, e) => emit('trace', m, e),
    child: (sub) => createLogger(`${namespace}:${sub}`),
    enabled,
  };
}
