// On-disk identity store: one folder per identity under the data dir (env IDENTITY_DIR, default
// .cache/identities), holding identity.json and the checked photos 0.jpg, 1.jpg, ... An identity belongs to the
// owner token that uploaded it (kept only as a SHA-256 hash) and only that token reads it over HTTP; its id is a
// random UUID. The agent process reads the photos from this folder directly.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

export class IdentityStore {
  readonly dir: string;

  constructor(dir = defaultIdentityDir()) {
    this.dir = resolve(dir);
  }

  async create(owner: string, name: string, photos: NewPhoto[]): Promise<IdentityRecord> {
    if (photos.length === 0) throw new AppError('BAD_REQUEST', 'an identity needs at least one photo');
    const id = randomUUID();
    const tmp = join(this.dir, `.tmp-${id}`);
    await mkdir(tmp, { recursive: true });
    const record: IdentityFile = {
      id,
      name,
      createdAt: new Date().toISOString(),
      photos: photos.map(({ width, height, box }) => ({ width, height, box })),
      ownerHash: hashOwner(owner),
    };
    try {
      await Promise.all(photos.map((p, i) => writeFile(join(tmp, `${i}.jpg`), p.jpeg)));
      await writeFile(join(tmp, 'identity.json'), JSON.stringify(record, null, 1));
      // A complete folder appears at once: readers never see half an identity.
      await rename(tmp, join(this.dir, id));
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return publicRecord(record);
  }

  /** The owner's identities, newest first. */
  async list(owner: string): Promise<IdentityRecord[]> {
    const hash = hashOwner(owner);
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const all = await Promise.all(names.filter(isIdentityId).map((id) => this.#read(id)));
    return all
      .filter((r): r is IdentityFile => r !== null && sameHash(r.ownerHash, hash))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(publicRecord);
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
    await this.#owned(owner, id);
    await rm(join(this.dir, id), { recursive: true, force: true });
  }

  /** Path of one of the owner's stored photos (NOT_FOUND / FORBIDDEN as owned()). */
  async photoPath(owner: string, id: string, index: number): Promise<string> {
    const r = await this.#owned(owner, id);
    if (!Number.isInteger(index) || index < 0 || index >= r.photos.length)
      throw new AppError('NOT_FOUND', 'no such photo');
    return join(this.dir, id, `${index}.jpg`);
  }

  async #owned(owner: string, id: string): Promise<IdentityFile> {
    const r = await this.#read(id);
    if (!r) throw new AppError('NOT_FOUND', `no identity ${id}`);
    if (!sameHash(r.ownerHash, hashOwner(owner))) throw new AppError('FORBIDDEN', 'not your identity');
    return r;
  }

  async #read(id: string): Promise<IdentityFile | null> {
    if (!isIdentityId(id)) return null;
    try {
      return JSON.parse(await readFile(join(this.dir, id, 'identity.json'), 'utf8')) as IdentityFile;
    } catch {
      return null;
    }
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
