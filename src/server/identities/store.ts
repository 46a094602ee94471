// On-disk identity store: one folder per identity under the data dir (env IDENTITY_DIR, default
// .cache/identities), holding identity.json and the checked photos 0.jpg, 1.jpg, ... An identity belongs to the
// owner token that uploaded it (kept only as a SHA-256 hash) and only that token reads it over HTTP; its id is a
// random UUID. The agent process reads the photos from this folder directly. Lookups go through an index in
// memory (by id and by owner), built by one scan and then kept by this store's own writes and by a stat of the
// folder, so no request reads every identity.json; an owner keeps at most IDENTITY_MAX_PER_OWNER identities.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setting } from '../../config.ts';
import { AppError } from '../../util/errors.ts';
import type { Box, RgbaFrame } from '../../video/frame.ts';
import { decodeImage } from '../../video/image.ts';

export function defaultIdentityDir(): string {
  return setting('IDENTITY_DIR');
}

export interface StoredPhoto {
  width: number;
  height: number;
  /** The face the check found, stored-photo pixels. */
  box: Box;
}

export interface IdentityRecord {
  id: string;
  name: string;
  createdAt: string;
  photos: StoredPhoto[];
}

interface IdentityFile extends IdentityRecord {
  ownerHash: string;
}

export interface NewPhoto extends StoredPhoto {
  jpeg: Uint8Array;
}

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isIdentityId = (id: string): boolean => ID_RE.test(id);

const hashOwner = (token: string) => createHash('sha256').update(token).digest('hex');

export interface IdentityStoreOptions {
  /** Identities one owner may keep (default env IDENTITY_MAX_PER_OWNER). */
  maxPerOwner?: number;
}

export class IdentityStore {
  readonly dir: string;
  readonly maxPerOwner: number;
  /** identity.json files read so far: the index reads each once (tests and /stats can see a scan). */
  filesRead = 0;
  #byId = new Map<string, IdentityFile>();
  #byOwner = new Map<string, Set<string>>();
  /** Creates in flight per owner hash: they count toward the quota before they land. */
  #pending = new Map<string, number>();
  #dirMtime = -1;
  #syncing: Promise<void> | null = null;

  constructor(dir = defaultIdentityDir(), opts: IdentityStoreOptions = {}) {
    this.dir = resolve(dir);
    this.maxPerOwner = opts.maxPerOwner ?? setting('IDENTITY_MAX_PER_OWNER');
  }

  /** Throws QUOTA_EXCEEDED when the owner keeps its most identities (before an upload is read). */
  async checkQuota(owner: string): Promise<void> {
    await this.#sync();
    this.#quota(hashOwner(owner));
  }

  async create(owner: string, name: string, photos: NewPhoto[]): Promise<IdentityRecord> {
    if (photos.length === 0) throw new AppError('BAD_REQUEST', 'an identity needs at least one photo');
    const ownerHash = hashOwner(owner);
    await this.#sync();
    this.#quota(ownerHash); // and no await until pending counts this one
    this.#pending.set(ownerHash, (this.#pending.get(ownerHash) ?? 0) + 1);
    const id = randomUUID();
    const tmp = join(this.dir, `.tmp-${id}`);
    const record: IdentityFile = {
      id,
      name,
      createdAt: new Date().toISOString(),
      photos: photos.map(({ width, height, box }) => ({ width, height, box })),
      ownerHash,
    };
    try {
      await mkdir(tmp, { recursive: true });
      await Promise.all(photos.map((p, i) => writeFile(join(tmp, `${i}.jpg`), p.jpeg)));
      await writeFile(join(tmp, 'identity.json'), JSON.stringify(record, null, 1));
      // A complete folder appears at once: readers never see half an identity.
      await rename(tmp, join(this.dir, id));
      this.#add(record);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    } finally {
      const n = (this.#pending.get(ownerHash) ?? 1) - 1;
      if (n > 0) this.#pending.set(ownerHash, n);
      else this.#pending.delete(ownerHash);
    }
    return publicRecord(record);
  }

  /** The owner's identities, newest first, from the index (no file is read unless the folder changed). */
  async list(owner: string): Promise<IdentityRecord[]> {
    await this.#sync();
    const ids = this.#byOwner.get(hashOwner(owner)) ?? new Set<string>();
    return [...ids]
      .map((id) => this.#byId.get(id) as IdentityFile)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(publicRecord);
  }

  /** Does this owner hold this identity? (index; one file read for an id the index has not met) */
  async owns(owner: string, id: string): Promise<boolean> {
    const r = await this.#read(id);
    return r !== null && sameHash(r.ownerHash, hashOwner(owner));
  }

  /** Any identity by id (ids are unguessable); null when there is none. */
  async get(id: string): Promise<IdentityRecord | null> {
    const r = await this.#read(id);
    return r ? publicRecord(r) : null;
  }

  /** The owner's identity; NOT_FOUND when there is none, FORBIDDEN when it belongs to another owner. */
  async owned(owner: string, id: string): Promise<IdentityRecord> {
    return publicRecord(await this.#owned(owner, id));
  }

  async remove(owner: string, id: string): Promise<void> {
    const r = await this.#owned(owner, id);
    await rm(join(this.dir, id), { recursive: true, force: true });
    this.#drop(r.id);
  }

  /** Path of one of the owner's stored photos (NOT_FOUND / FORBIDDEN as owned()). */
  async photoPath(owner: string, id: string, index: number): Promise<string> {
    const r = await this.#owned(owner, id);
    if (!Number.isInteger(index) || index < 0 || index >= r.photos.length)
      throw new AppError('NOT_FOUND', 'no such photo');
    return join(this.dir, id, `${index}.jpg`);
  }

  #quota(ownerHash: string): void {
    const n = (this.#byOwner.get(ownerHash)?.size ?? 0) + (this.#pending.get(ownerHash) ?? 0);
    if (n >= this.maxPerOwner) {
      throw new AppError(
        'QUOTA_EXCEEDED',
        `you keep ${this.maxPerOwner} identities already (the most); delete one first`,
      );
    }
  }

  async #owned(owner: string, id: string): Promise<IdentityFile> {
    const r = await this.#read(id);
    if (!r) throw new AppError('NOT_FOUND', `no identity ${id}`);
    if (!sameHash(r.ownerHash, hashOwner(owner))) throw new AppError('FORBIDDEN', 'not your identity');
    return r;
  }

  /** From the index, else from disk (another process may have written it since). */
  async #read(id: string): Promise<IdentityFile | null> {
    if (!isIdentityId(id)) return null;
    const known = this.#byId.get(id);
    if (known) return known;
    const r = await this.#readFile(id);
    if (r) this.#add(r);
    return r;
  }

  async #readFile(id: string): Promise<IdentityFile | null> {
    this.filesRead++;
    try {
      const r = JSON.parse(await readFile(join(this.dir, id, 'identity.json'), 'utf8')) as IdentityFile;
      return r.id === id && typeof r.ownerHash === 'string' ? r : null;
    } catch {
      return null;
    }
  }

  /** Brings the index up to date with the folder: nothing when it has not changed (one stat), else reads only
   * the identities it has not met and drops the ones gone. Concurrent callers share one pass. */
  #sync(): Promise<void> {
    this.#syncing ??= this.#syncOnce().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<void> {
    let mtime: number;
    try {
      mtime = (await stat(this.dir)).mtimeMs;
    } catch {
      for (const id of [...this.#byId.keys()]) this.#drop(id);
      this.#dirMtime = -1;
      return;
    }
    // File times tick coarsely (a few ms): a change in the same tick as the last pass keeps the time, so a
    // recent time is not trusted (a readdir is cheap; only unknown identities are read).
    if (mtime === this.#dirMtime && Date.now() - mtime > 1000) return;
    this.#dirMtime = mtime; // before reading: a change meanwhile shows at the next pass
    const ids = (await readdir(this.dir)).filter(isIdentityId);
    const present = new Set(ids);
    for (const id of [...this.#byId.keys()]) if (!present.has(id)) this.#drop(id);
    const unknown = ids.filter((id) => !this.#byId.has(id));
    for (let i = 0; i < unknown.length; i += 64) {
      const read = await Promise.all(unknown.slice(i, i + 64).map((id) => this.#readFile(id)));
      for (const r of read) if (r) this.#add(r);
    }
  }

  #add(r: IdentityFile): void {
    this.#byId.set(r.id, r);
    const ids = this.#byOwner.get(r.ownerHash) ?? new Set<string>();
    ids.add(r.id);
    this.#byOwner.set(r.ownerHash, ids);
  }

  #drop(id: string): void {
    const r = this.#byId.get(id);
    if (!r) return;
    this.#byId.delete(id);
    const ids = this.#byOwner.get(r.ownerHash);
    ids?.delete(id);
    if (ids?.size === 0) this.#byOwner.delete(r.ownerHash);
  }
}

export interface IdentityPhotoImage {
  image: RgbaFrame;
  box: Box;
}

/**
 * For the inference agent (any process sharing the data dir): the photos of an identity, decoded to RGBA, with
 * the face box the upload check found. Throws NOT_FOUND for an unknown id.
 */
export async function loadIdentityPhotos(
  id: string,
  dir = defaultIdentityDir(),
): Promise<IdentityPhotoImage[]> {
  const store = new IdentityStore(dir);
  const r = await store.get(id);
  if (!r) throw new AppError('NOT_FOUND', `no identity ${id}`);
  return Promise.all(
    r.photos.map(async (p, i) => ({ image: await decodeImage(join(store.dir, id, `${i}.jpg`)), box: p.box })),
  );
}

function publicRecord(r: IdentityFile): IdentityRecord {
  return { id: r.id, name: r.name, createdAt: r.createdAt, photos: r.photos };
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
