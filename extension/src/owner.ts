// The identity owner token the extension uses with the server (the x-gazecam-owner header): the server page's
// own when the bridge has seen it there, else one made here (and given to that page on its next visit).
import { OWNER_KEY } from './messages.ts';

export async function ownerToken(): Promise<string> {
  const got = (await chrome.storage.local.get(OWNER_KEY))[OWNER_KEY];
  if (typeof got === 'string' && got) return got;
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const owner = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  await chrome.storage.local.set({ [OWNER_KEY]: owner });
  return owner;
}
