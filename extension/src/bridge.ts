// The extension's isolated content script (document_start, every page): the page script's line to chrome.*.
// It hands the page script a private MessageChannel, sends it the user's settings (and every change the popup
// makes), fetches camera tickets through the background (which holds the owner token; the page never sees it),
// and relays the camera's status to the background for the popup. On the gazecam server's own page it shares
// the identity owner token between that page and the extension, so the popup lists the identities uploaded there.
import {
  type CameraSettings,
  DEFAULT_SETTINGS,
  OWNER_KEY,
  PAGE_OWNER_KEY,
  PORT_MESSAGE,
  SETTINGS_KEYS,
  type TicketAnswer,
  type ToBackground,
  type ToBridge,
  type ToPage,
} from './messages.ts';

const channel = new MessageChannel();
window.postMessage({ type: PORT_MESSAGE }, '*', [channel.port2]);
const port = channel.port1;
const send = (m: ToPage) => port.postMessage(m);
const tell = (m: ToBackground) => chrome.runtime.sendMessage(m).catch(() => undefined);

async function settings(): Promise<CameraSettings> {
  const stored = (await chrome.storage.local.get(SETTINGS_KEYS)) as Partial<CameraSettings>;
  return { ...DEFAULT_SETTINGS, ...stored };
}

port.onmessage = (e: MessageEvent<ToBridge>) => {
  const m = e.data;
  if (m.type === 'ticket') {
    chrome.runtime.sendMessage({ type: 'ticket' } satisfies ToBackground).then(
      (a: TicketAnswer) => send({ type: 'ticket', id: m.id, ...a }),
      (err: Error) => send({ type: 'ticket', id: m.id, error: { code: 'EXTENSION', message: err.message } }),
    );
  } else if (m.type === 'status') void tell({ type: 'status', status: m.status });
  else if (m.type === 'ended') void tell({ type: 'ended' });
};

void settings().then((s) => {
  send({ type: 'settings', settings: s });
  void shareOwner(s.server);
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local' || !SETTINGS_KEYS.some((k) => k in changes)) return;
  void settings().then((s) => send({ type: 'settings', settings: s }));
});

/** On the server's page: its owner token becomes the extension's; a fresh page gets the extension's. */
async function shareOwner(server: string): Promise<void> {
  let origin = '';
  try {
    origin = new URL(server).origin;
  } catch {
    return;
  }
  if (location.origin !== origin) return;
  const page = localStorage.getItem(PAGE_OWNER_KEY);
  if (page) {
    void tell({ type: 'owner', owner: page });
    return;
  }
  const mine = (await chrome.storage.local.get(OWNER_KEY))[OWNER_KEY];
  if (typeof mine === 'string' && mine) localStorage.setItem(PAGE_OWNER_KEY, mine);
}
