// The extension's popup: the server address, the identity (from the owner's uploads on that server), the avatar
// and eye-contact toggles (stored; every page's camera applies them live), and each page's camera: connected or
// not, the agent's state, fps, why it shows a placeholder, and a preview of what the call receives.

import { type Identity, listIdentities, useIdentityServer } from '../../client/src/core/identities.ts';
import { $, h } from '../../client/src/dom.ts';
import {
  type CameraSettings,
  DEFAULT_SETTINGS,
  SETTINGS_KEYS,
  type TabStatus,
  type ToBackground,
} from './messages.ts';
import { ownerToken } from './owner.ts';

let settings: CameraSettings = DEFAULT_SETTINGS;
let identities: Identity[] = [];

async function load(): Promise<void> {
  settings = { ...DEFAULT_SETTINGS, ...(await chrome.storage.local.get(SETTINGS_KEYS)) };
  $<HTMLInputElement>('#server').value = settings.server;
  $<HTMLInputElement>('#avatar').checked = settings.avatar;
  $<HTMLInputElement>('#eyes').checked = settings.eyes;
  await loadIdentities();
}

async function save(patch: Partial<CameraSettings>): Promise<void> {
  settings = { ...settings, ...patch };
  await chrome.storage.local.set(patch);
}

async function loadIdentities(): Promise<void> {
  const state = $('#server-state');
  const note = $('#identity-note');
  useIdentityServer(settings.server, await ownerToken());
  try {
    identities = await listIdentities();
    state.textContent = `connected to ${settings.server}`;
    state.className = 'note';
  } catch (e) {
    identities = [];
    state.textContent = `cannot reach ${settings.server}: ${(e as Error).message}`;
    state.className = 'note error';
  }
  const select = $<HTMLSelectElement>('#identity');
  select.replaceChildren(
    h('option', { value: '', textContent: identities.length ? '(pick one)' : '(none uploaded)' }),
    ...identities.map((i) => h('option', { value: i.id, textContent: i.name || i.id.slice(0, 8) })),
  );
  if (settings.identityId && !identities.some((i) => i.id === settings.identityId)) {
    await save({ identityId: null });
  }
  select.value = settings.identityId ?? '';
  note.replaceChildren(
    identities.length ? '' : 'Upload photos on the ',
    identities.length ? '' : h('a', { href: settings.server, target: '_blank', textContent: 'gazecam page' }),
    identities.length ? '' : ' (in this browser), then open this popup again.',
  );
  showThumb();
}

function showThumb(): void {
  const img = $<HTMLImageElement>('#identity-thumb');
  const photo = identities.find((i) => i.id === settings.identityId)?.photos[0];
  img.hidden = !photo?.url;
  if (photo?.url) img.src = photo.url;
}

function describe(t: TabStatus): HTMLElement {
  const s = t.status;
  const state = !s.connected
    ? 'not connected'
    : s.source === 'processed'
      ? `processed (agent ${s.agent ?? '-'})`
      : s.source === 'placeholder'
        ? 'placeholder'
        : 'camera';
  return h(
    'div.tab',
    { dataset: { tab: String(t.tabId), source: s.source } },
    h('div', { textContent: t.title || `tab ${t.tabId}` }),
    h('div.state', { textContent: `${state} · ${s.fps.toFixed(0)} fps` }),
    s.why ? h('div.note', { textContent: s.why }) : null,
  );
}

async function poll(): Promise<void> {
  const list = ((await chrome.runtime.sendMessage({ type: 'statuses' } satisfies ToBackground)) ??
    []) as TabStatus[];
  const tabs = $('#tabs');
  if (list.length === 0)
    tabs.replaceChildren(h('p.note', { textContent: 'No page uses the gazecam camera.' }));
  else tabs.replaceChildren(...list.map(describe));
  const preview = $<HTMLImageElement>('#preview');
  const shot = list.find((t) => t.status.preview)?.status.preview;
  preview.hidden = !shot;
  if (shot) preview.src = shot;
}

$('#server-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const value = $<HTMLInputElement>('#server').value.trim().replace(/\/$/, '');
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    $('#server-state').textContent = 'not a URL';
    return;
  }
  // Another server than this machine's needs the browser's leave to be reached from the extension.
  const ask = /^https?:\/\/(127\.0\.0\.1|localhost)(:|$)/.test(origin)
    ? Promise.resolve(true)
    : chrome.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
  void ask.then(async () => {
    await save({ server: origin });
    await loadIdentities();
  });
});
$('#identity').addEventListener('change', (ev) => {
  void save({ identityId: (ev.target as HTMLSelectElement).value || null }).then(showThumb);
});
$('#avatar').addEventListener(
  'change',
  (ev) => void save({ avatar: (ev.target as HTMLInputElement).checked }),
);
$('#eyes').addEventListener('change', (ev) => void save({ eyes: (ev.target as HTMLInputElement).checked }));

void load();
void poll();
setInterval(() => void poll(), 1000);
