// A request body read into memory with a hard byte limit: a declared Content-Length over the limit is refused
// before a byte is read, and a chunked (or lying) body is counted as it arrives and cut at the limit, so a
// client can never make the server hold more than `max` bytes of one body. With a deadline, the body must also
// arrive at a minimum average rate after a grace period (408 otherwise): a client that trickles a byte at a
// time holds nothing for long.
import type { IncomingMessage } from 'node:http';
import { AppError, type ErrorCode } from '../util/errors.ts';

export interface BodyLimit {
  max: number;
  /** Code of the refusal (default PAYLOAD_TOO_LARGE). */
  code?: ErrorCode;
  /** What the body is, for the message ("upload"). */
  what?: string;
  /** From the headers on, at least `grace` ms plus one second per `minBytesPerSec` bytes received. */
  deadline?: { minBytesPerSec: number; graceMs: number };
  /** Told of the bytes held so far (before they are kept): throws to refuse them (a memory budget). */
  onBytes?: (total: number) => void;
}

const DEADLINE_CHECK_MS = 250;

/** Throws when the declared Content-Length is over the limit (the caller answers before reading anything). */
export function checkDeclaredLength(req: IncomingMessage, limit: BodyLimit): void {
  const raw = req.headers['content-length'];
  if (raw === undefined) return;
  const declared = Number(raw);
  if (declared > limit.max) throw tooLarge(limit, `${declared} bytes`);
}

export function readBody(req: IncomingMessage, limit: BodyLimit): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(req, limit);
  // With a declared length the bytes go straight into one buffer of that size (no second copy at the end).
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const into = Number.isInteger(declared) && declared >= 0 ? new Uint8Array(declared) : null;
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const deadline = limit.deadline;
    const timer = deadline
      ? setInterval(() => {
          const owed = (deadline.minBytesPerSec * (Date.now() - t0 - deadline.graceMs)) / 1000;
          if (size < owed) {
            const rate = `${deadline.minBytesPerSec} bytes/s after ${deadline.graceMs} ms`;
            done(
              new AppError(
                'REQUEST_TIMEOUT',
                `${limit.what ?? 'body'} too slow: ${size} bytes (at least ${rate})`,
              ),
            );
          }
        }, DEADLINE_CHECK_MS)
      : null;
    const done = (e: Error | null) => {
      if (timer) clearInterval(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (e) {
        // Stop reading at once; the caller's answer closes the connection (sendError: the body is unread).
        req.pause();
        return reject(e);
      }
      if (into) return resolve(size === into.length ? into : into.slice(0, size));
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      resolve(all);
    };
    const onData = (chunk: Buffer) => {
      try {
        limit.onBytes?.(size + chunk.length);
      } catch (e) {
        chunks.length = 0;
        return done(e as Error);
      }
      if (into && size + chunk.length <= into.length) into.set(chunk, size);
      else if (!into) chunks.push(chunk);
      size += chunk.length;
      if (size > limit.max || (into && size > into.length)) {
        chunks.length = 0;
        done(tooLarge(limit, `more than ${into ? into.length : limit.max} bytes`));
      }
    };
    const onEnd = () => done(null);
    const onError = (e: Error) => done(new AppError('BAD_REQUEST', `body not received: ${e.message}`));
    const onClose = () => {
      if (!req.complete) done(new AppError('BAD_REQUEST', 'the client closed the connection mid-body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: BodyLimit, size: string): AppError {
  return new AppError(
    limit.code ?? 'PAYLOAD_TOO_LARGE',
    `${limit.what ?? 'body'} too large (${size}; at most ${limit.max} bytes)`,
    { limit: limit.max },
  );
}
