// The identity API (src/server/identities/routes.ts) from the browser. The owner token lives in localStorage:
// identities are visible to the browser profile that uploaded them. The server serves photos to their owner only
// (the x-gazecam-owner header), which an <img> cannot send: photos are fetched here with the header and handed
// to the page as blob: URLs (`IdentityPhoto.url`), revoked when their identity goes.
export interface IdentityPhoto {
  url: string;
  width: number;
  height: number;
  box: { x: number; y: number; width: number; height: number };
}
export interface Identity {
  id: string;
  name: string;
  createdAt: string;
  photos: IdentityPhoto[];
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Seconds the server asked to wait before retrying (BUSY). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** Upload retries while the server answers BUSY (it caps concurrent uploads). */
const BUSY_RETRIES = 3;
/** identity id -> blob: URLs of its photos, in order. */
const photoUrls = new Map<string, string[]>();

const OWNER_KEY = 'gazecam.owner';

/** Where the API is and whose identities: this page's server and its localStorage token by default; the
 * extension's popup names its configured server and the token it keeps. */
let server: { base: string; owner: string | null } = { base: '', owner: null };

export function useIdentityServer(base: string, ownerToken: string): void {
  for (const id of [...photoUrls.keys()]) forgetPhotos(id);
  server = { base: base.replace(/\/$/, ''), owner: ownerToken };
}

function owner(): string {
  if (server.owner) return server.owner;
  let t = localStorage.getItem(OWNER_KEY);
  if (!t) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    t = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(OWNER_KEY, t);
  }
  return t;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(server.base + path, {
    ...init,
    headers: { ...(init.headers ?? {}), 'x-gazecam-owner': owner() },
  });
  let body: { ok: boolean; error?: { code: string; message: string } } & T;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('INTERNAL', `server answered ${res.status} without JSON`);
  }
  if (!body.ok) {
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(
      body.error?.code ?? 'INTERNAL',
      body.error?.message ?? `HTTP ${res.status}`,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return body;
}

/** One photo as a blob: URL ('' when it cannot be read: the page shows a broken image, not an error). */
async function photoBlobUrl(url: string): Promise<string> {
  try {
    const res = await fetch(server.base + url, { headers: { 'x-gazecam-owner': owner() } });
    return res.ok ? URL.createObjectURL(await res.blob()) : '';
  } catch {
    return '';
  }
}

/** The identity with its photo URLs readable by an <img> (blob: URLs, fetched once per identity). */
async function withPhotoUrls(identity: Identity): Promise<Identity> {
  let urls = photoUrls.get(identity.id);
  // A photo that failed ('') is fetched again, with the others, on the next listing.
  if (!urls || urls.length !== identity.photos.length || !urls.every(Boolean)) {
    forgetPhotos(identity.id);
    urls = await Promise.all(identity.photos.map((p) => photoBlobUrl(p.url)));
    photoUrls.set(identity.id, urls);
  }
  const shown = urls;
  return { ...identity, photos: identity.photos.map((p, i) => ({ ...p, url: shown[i] })) };
}

function forgetPhotos(id: string): void {
  for (const u of photoUrls.get(id) ?? []) if (u) URL.revokeObjectURL(u);
  photoUrls.delete(id);
}

export async function listIdentities(): Promise<Identity[]> {
  const { identities } = await call<{ identities: Identity[] }>('/api/identities');
  const present = new Set(identities.map((i) => i.id));
  for (const id of [...photoUrls.keys()]) if (!present.has(id)) forgetPhotos(id);
  return Promise.all(identities.map(withPhotoUrls));
}

export async function uploadIdentity(files: File[], name: string): Promise<Identity> {
  const form = new FormData();
  if (name) form.set('name', name);
  for (const f of files) form.append('photo', f, f.name);
  for (let attempt = 0; ; attempt++) {
    try {
      const { identity } = await call<{ identity: Identity }>('/api/identities', {
        method: 'POST',
        body: form,
      });
      return withPhotoUrls(identity);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'BUSY' || attempt >= BUSY_RETRIES) throw e;
      await new Promise((r) => setTimeout(r, (e.retryAfterS ?? 2) * 1000));
    }
  }
}

export async function deleteIdentity(id: string): Promise<void> {
  await call(`/api/identities/${encodeURIComponent(id)}`, { method: 'DELETE' });
  forgetPhotos(id);
}
