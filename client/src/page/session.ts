// Joining and leaving: the join form, the call's events wired to the page, rejoining after a server restart.
import { Call } from '../core/call.ts';
import { rejoinWhenBack } from '../core/rejoin.ts';
import { RequestError } from '../core/signaling.ts';
import { $, hideError, showError } from '../dom.ts';
import { openMedia } from './devices.ts';
import { showSketch } from './effects.ts';
import { state } from './state.ts';
import { renderStats } from './stats.ts';
import { attachStream, removeTile, renderTiles, updateBadges } from './tiles.ts';

const NAME_KEY = 'gazecam.name';

/** The join form's name as last used. */
export function savedName(): string {
  return localStorage.getItem(NAME_KEY) ?? '';
}

export async function join(): Promise<void> {
  hideError('#join-error');
  const room = $<HTMLInputElement>('#room').value.trim();
  const displayName = $<HTMLInputElement>('#name').value.trim();
  const passcode = $<HTMLInputElement>('#passcode').value;
  if (!state.media) await openMedia();
  if (!state.media) return;
  localStorage.setItem(NAME_KEY, displayName);
  $<HTMLButtonElement>('#join-btn').disabled = true;
  try {
    state.call = await Call.join(
      { room, displayName, passcode, media: state.media },
      {
        participants: (list) => renderTiles(list),
        stream: (id, stream) => attachStream(id, stream),
        left: (id) => removeTile(id),
        status: (s) => updateBadges(s.participantId),
        sketch: (s) => showSketch(s.jpeg),
        stats: () => undefined,
        error: (m) => showError('#call-error', m),
        shutdown: (m) => {
          showError('#call-error', m);
          void rejoin();
        },
        closed: () => onClosed(),
      },
    );
  } catch (e) {
    // Several server nodes: the room lives on another one; the page moves there (the room stays in the URL).
    if (e instanceof RequestError && e.code === 'ROOM_ELSEWHERE' && e.redirect) {
      location.assign(new URL(`/r/${encodeURIComponent(room)}`, e.redirect).href);
      return;
    }
    showError('#join-error', `cannot join: ${(e as Error).message}`);
    $<HTMLButtonElement>('#join-btn').disabled = false;
    return;
  }
  const call = state.call;
  history.replaceState(null, '', `/r/${encodeURIComponent(call.room)}`);
  document.body.classList.add('in-call');
  $('#room-label').textContent = call.room;
  const feed = `/feed/${encodeURIComponent(call.room)}/${encodeURIComponent(call.me)}`;
  const link = $<HTMLAnchorElement>('#feed-link');
  link.href = feed;
  link.textContent = `${location.origin}${feed}`;
  document.body.dataset.participant = call.me;
  renderTiles(call.list());
  state.effects.reset();
  $<HTMLInputElement>('#toggle-avatar').checked = false;
  $<HTMLInputElement>('#toggle-eyes').checked = false;
  state.statsTimer = window.setInterval(() => void renderStats(), 1000);
}

/** After a `server:shutdown`: wait for the server to answer again, then join the same room as before. */
async function rejoin(): Promise<void> {
  if (state.rejoining) return;
  state.rejoining = true;
  try {
    await rejoinWhenBack(async () => {
      if (state.call) return false;
      await join();
      if (!state.call) return false;
      hideError('#call-error');
      return true;
    });
  } finally {
    state.rejoining = false;
  }
}

export async function leave(): Promise<void> {
  await state.call?.leave();
}

function onClosed(): void {
  state.call = null;
  state.preview?.close();
  state.preview = null;
  state.previewStream = null;
  if (state.statsTimer !== null) clearInterval(state.statsTimer);
  state.statsTimer = null;
  document.body.classList.remove('in-call');
  $('#tiles').replaceChildren();
  $<HTMLButtonElement>('#join-btn').disabled = false;
  delete document.body.dataset.participant;
}
