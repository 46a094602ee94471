// HTTP routes of the identity API (JSON answers `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`):
//   POST   /api/identities                  multipart/form-data: `photo` (1..MAX_PHOTOS files of one person), `name`;
//                                           or one raw image body (content-type image/*) -> 201 { identity }
//   GET    /api/identities                  the caller's identities -> { identities }
//   GET    /api/identities/<id>             -> { identity }
//   DELETE /api/identities/<id>             -> {}
//   GET    /api/identities/<id>/photos/<n>  the stored JPEG
// The caller is named by the `x-gazecam-owner` header: a random token the client keeps (localStorage). Every
// route but the list answers 403 for another owner's identity (the client shows photos through blob URLs).
// Uploads are bounded: the body by bytes (refused by Content-Length before reading, cut when counted past the
// limit) and by time (a minimum rate after a grace period, else 408), bodies in flight by a memory budget (over
// it, 503 BUSY) and the image checks by concurrency (UploadGate: received bodies wait for a check slot).
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { setting } from '../../config.ts';
import { AppError, toAppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { checkDeclaredLength, readBody } from '../body.ts';
import { boundaryOf, parseMultipart } from '../multipart.ts';
import { decodePath, rawPath } from '../request-path.ts';
import { guard, sendJson as send } from '../respond.ts';
import { UploadGate } from '../upload-gate.ts';
import { FaceChecker } from './face-check.ts';
import { checkImage, DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-check.ts';
import { type IdentityRecord, IdentityStore, type NewPhoto } from './store.ts';

const log = createLogger('server:identities');

export const IDENTITY_API = '/api/identities';
export const OWNER_HEADER = 'x-gazecam-owner';
export const MAX_PHOTOS = 8;
export const OWNER_RE = /^[A-Za-z0-9_-]{16,128}$/;
/** Room in a form for its parts' headers and the name field. */
const FORM_MARGIN = 64 * 1024;

/** An identity as the client sees it. */
export interface IdentityJson {
  id: string;
  name: string;
  createdAt: string;
  photos: Array<{
    url: string;
    width: number;
    height: number;
    box: { x: number; y: number; width: number; height: number };
  }>;
}

export interface IdentityRoutesOptions {
  dir?: string;
  limits?: ImageLimits;
  /** Checks faces (default: a lazily created FaceChecker, shared by all uploads). */
  faceChecker?: () => Promise<Pick<FaceChecker, 'check' | 'close'>>;
  /** Identities per owner (default env IDENTITY_MAX_PER_OWNER). */
  maxPerOwner?: number;
  /** Image checks at once (default env UPLOAD_CONCURRENCY) and the body deadline (default env
   * UPLOAD_MIN_BYTES_PER_S, UPLOAD_GRACE_MS). */
  uploads?: { concurrency?: number; minBytesPerSec?: number; graceMs?: number };
}

export interface IdentityRoutes {
  readonly store: IdentityStore;
  /**
   * Handles the request when it is an identity route (answering every failure, thrown or rejected, with a
   * coded status); returns false otherwise.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): Promise<void>;
}

export function createIdentityRoutes(opts: IdentityRoutesOptions = {}): IdentityRoutes {
  const store = new IdentityStore(opts.dir, { maxPerOwner: opts.maxPerOwner });
  const limits = opts.limits ?? DEFAULT_IMAGE_LIMITS;
  const largestForm = limits.maxBytes * MAX_PHOTOS + FORM_MARGIN;
  const gate = new UploadGate(largestForm, opts.uploads?.concurrency);
  const deadline = {
    minBytesPerSec: opts.uploads?.minBytesPerSec ?? setting('UPLOAD_MIN_BYTES_PER_S'),
    graceMs: opts.uploads?.graceMs ?? setting('UPLOAD_GRACE_MS'),
  };
  let checker: Promise<Pick<FaceChecker, 'check' | 'close'>> | null = null;
  let closed = false;
  const getChecker = () => {
    if (!checker) {
      checker = (opts.faceChecker ?? FaceChecker.create)();
      checker.catch(() => (checker = null)); // a failed model build is retried on the next upload
    }
    return checker;
  };

  async function route(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const method = req.method ?? 'GET';
    // parts: [] | [id] | [id, 'photos', n]
    const owner = ownerOf(req);
    if (parts.length === 3 && parts[1] === 'photos' && (method === 'GET' || method === 'HEAD')) {
      const index = /^\d{1,2}\.jpg$/.test(parts[2]) ? Number(parts[2].slice(0, -4)) : -1;
      const file = await store.photoPath(owner, parts[0], index);
      // Answers depend on the owner header: no shared cache may keep one.
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'private, no-store' });
      if (method === 'HEAD') res.end();
      else pipeline(createReadStream(file), res, () => undefined);
      return;
    }
    if (parts.length === 0 && method === 'GET') {
      const list = await store.list(owner);
      return send(res, 200, { ok: true, identities: list.map(toJson) });
    }
    if (parts.length === 0 && method === 'POST') {
      if (closed) throw new AppError('CLOSED', 'server is shutting down');
      const identity = await upload(req, owner);
      return send(res, 201, { ok: true, identity: toJson(identity) });
    }
    if (parts.length === 1 && method === 'GET') {
      const r = await store.owned(owner, parts[0]);
      return send(res, 200, { ok: true, identity: toJson(r) });
    }
    if (parts.length === 1 && method === 'DELETE') {
      await store.remove(owner, parts[0]);
      return send(res, 200, { ok: true });
    }
    throw new AppError('NOT_FOUND', `no route ${method} ${rawPath(req)}`);
  }

  async function upload(req: IncomingMessage, owner: string): Promise<IdentityRecord> {
    const type = req.headers['content-type'] ?? '';
    // The boundary is case-sensitive; only the media type is compared without case.
    const multipart = type.toLowerCase().startsWith('multipart/form-data');
    // One raw photo may be one photo's bytes; a form, every photo's and a margin for the parts' headers.
    const limit = {
      max: multipart ? largestForm : limits.maxBytes,
      code: 'IMAGE_TOO_LARGE',
      what: 'upload',
    } as const;
    checkDeclaredLength(req, limit);
    await store.checkQuota(owner); // before a byte of the body is read
    // The body holds its declared bytes of the budget before one is read (a chunked one, what has arrived).
    const declared = Number(req.headers['content-length'] ?? 0);
    const hold = gate.hold(Number.isInteger(declared) && declared > 0 ? declared : 0);
    try {
      const body = await readBody(req, { ...limit, deadline, onBytes: (n) => hold.grow(n) });
      return await gate.check(() => checked(body, type, multipart, owner));
    } finally {
      hold.release();
    }
  }

  async function checked(body: Uint8Array, type: string, multipart: boolean, owner: string) {
    const files: Array<{ label: string; bytes: Uint8Array }> = [];
    let name = '';
    if (multipart) {
      const parts = parseMultipart(body, boundaryOf(type), MAX_PHOTOS * 4);
      for (const p of parts) {
        if (p.name === 'name' && p.filename === undefined) {
          name = new TextDecoder().decode(p.data).trim().slice(0, 64);
        } else if (p.name === 'photo') {
          if (p.filename === undefined) throw new AppError('BAD_REQUEST', '"photo" must be a file');
          files.push({ label: p.filename || `photo ${files.length + 1}`, bytes: p.data });
        }
      }
    } else if (body.length > 0) {
      files.push({ label: 'photo', bytes: body });
    }
    if (files.length === 0) throw new AppError('BAD_REQUEST', 'no photo in the upload (field "photo")');
    if (files.length > MAX_PHOTOS) {
      throw new AppError(
        'BAD_REQUEST',
        `too many photos (${files.length}; at most ${MAX_PHOTOS} of one person)`,
      );
    }
    // Sharp checks first for all photos (cheap, and the common mistakes), then the faces.
    const images = [];
    for (const f of files) images.push(await checkImage(f.bytes, f.label, limits));
    let faces: Pick<FaceChecker, 'check' | 'close'>;
    try {
      faces = await getChecker();
    } catch (e) {
      const err = toAppError(e, 'MODEL_MISSING');
      throw new AppError(err.code, `face check unavailable: ${err.message}`);
    }
    const photos: NewPhoto[] = [];
    for (const [i, img] of images.entries()) {
      const { box } = await faces.check(img.rgba, files[i].label);
      photos.push({ jpeg: img.jpeg, width: img.rgba.width, height: img.rgba.height, box });
    }
    const record = await store.create(owner, name || files[0].label.replace(/\.[^.]*$/, ''), photos);
    log.info(`identity ${record.id} (${record.name}): ${photos.length} photo(s)`);
    return record;
  }

  return {
    store,
    handle(req, res) {
      let path: string;
      try {
        path = rawPath(req);
      } catch {
        return false; // not ours; the caller answers the malformed target
      }
      if (path !== IDENTITY_API && !path.startsWith(`${IDENTITY_API}/`)) return false;
      guard(req, res, () => {
        const parts = path.slice(IDENTITY_API.length).split('/').filter(Boolean).map(decodePath);
        return route(req, res, parts);
      });
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = checker;
      checker = null;
      if (c) await c.then((x) => x.close()).catch(() => undefined);
    },
  };
}

function ownerOf(req: IncomingMessage): string {
  const v = req.headers[OWNER_HEADER];
  const token = Array.isArray(v) ? v[0] : v;
  if (!token || !OWNER_RE.test(token)) {
    throw new AppError(
      'BAD_REQUEST',
      `missing or malformed ${OWNER_HEADER} header (16-128 letters, digits, _ or -)`,
    );
  }
  return token;
}

function toJson(r: IdentityRecord): IdentityJson {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    photos: r.photos.map((p, i) => ({
      url: `${IDENTITY_API}/${r.id}/photos/${i}.jpg`,
      width: p.width,
      height: p.height,
      box: p.box,
    })),
  };
}
