// The extension's service worker: camera tickets from the user's gazecam server (it holds the identity owner
// token; pages get only the ticket), and the latest camera status of each tab for the popup.
import {
  type CameraStatus,
  DEFAULT_SETTINGS,
  OWNER_KEY,
  type TabStatus,
  type TicketAnswer,
  type ToBackground,
} from './messages.ts';
import { ownerToken } from './owner.ts';

const statuses = new Map<number, TabStatus>();
/** A tab that stopped reporting for this long has no camera any more (closed, crashed). */
const STALE_MS = 5000;

async function ticket(): Promise<TicketAnswer> {
  const { server } = { ...DEFAULT_SETTINGS, ...(await chrome.storage.local.get('server')) };
  let res: Response;
  try {
    res = await fetch(`${server.replace(/\/$/, '')}/api/camera-sessions`, {
      method: 'POST',
      headers: { 'x-gazecam-owner': await ownerToken() },
    });
  } catch {
    return { error: { code: 'UNREACHABLE', message: `gazecam server ${server} unreachable` } };
  }
  try {
    const body = await res.json();
    if (body.ok && typeof body.ticket === 'string') return { ticket: body.ticket };
    return { error: body.error ?? { code: 'HTTP', message: `HTTP ${res.status}` } };
  } catch {
    return { error: { code: 'HTTP', message: `HTTP ${res.status} from ${server}` } };
  }
}

function report(tab: chrome.tabs.Tab | undefined, status: CameraStatus): void {
  if (tab?.id === undefined) return;
  statuses.set(tab.id, { tabId: tab.id, title: tab.title ?? '', status, at: Date.now() });
}

chrome.runtime.onMessage.addListener((m: ToBackground, sender, reply) => {
  switch (m.type) {
    case 'ticket':
      void ticket().then(reply);
      return true; // answered asynchronously
    case 'status':
      report(sender.tab, m.status);
      return false;
    case 'ended':
      if (sender.tab?.id !== undefined) statuses.delete(sender.tab.id);
      return false;
    case 'owner':
      void chrome.storage.local.set({ [OWNER_KEY]: m.owner });
      return false;
    case 'statuses': {
      const now = Date.now();
      for (const [id, s] of statuses) if (now - s.at > STALE_MS) statuses.delete(id);
      reply([...statuses.values()]);
      return false;
    }
  }
});

chrome.tabs.onRemoved.addListener((id) => statuses.delete(id));
