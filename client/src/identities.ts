// The identity API (src/server/identities/routes.ts) from the browser. The owner token lives in localStorage:
// identities are visible to the browser profile that uploaded them.
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
  ) {
    super(message);
  }
}

const OWNER_KEY = 'gazecam.owner';

function owner(): string {
  let t = localStorage.getItem(OWNER_KEY);
  if (!t) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    t = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(OWNER_KEY, t);
  }
  return t;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { ...(init.headers ?? {}), 'x-gazecam-owner': owner() },
  });
  let body: { ok: boolean; error?: { code: string; message: string } } & T;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('INTERNAL', `server answered ${res.status} without JSON`);
  }
  if (!body.ok)
    throw new ApiError(body.error?.code ?? 'INTERNAL', body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export const listIdentities = async (): Promise<Identity[]> =>
  (await call<{ identities: Identity[] }>('/api/identities')).identities;

export async function uploadIdentity(files: File[], name: string): Promise<Identity> {
  const form = new FormData();
  if (name) form.set('name', name);
  for (const f of files) form.append('photo', f, f.name);
  return (await call<{ identity: Identity }>('/api/identities', { method: 'POST', body: form })).identity;
}

export async function deleteIdentity(id: string): Promise<void> {
  await call(`/api/identities/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
