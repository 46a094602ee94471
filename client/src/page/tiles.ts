// Tiles: one per participant with their stream and badges; yours has your camera and your processed preview.
import type { AgentStatus, Participant } from '../../../src/signaling/protocol.ts';
import { $, h } from '../dom.ts';
import { state } from './state.ts';

export function renderTiles(list: Participant[]): void {
  const call = state.call;
  if (!call) return;
  // Viewers and agents have no tile, but nobody receives the call unseen: the server marks them.
  const machines = $('#viewers');
  machines.textContent = call.machineSummary();
  machines.hidden = machines.textContent === '';
  const tiles = $('#tiles');
  for (const p of list) {
    let tile = tiles.querySelector<HTMLElement>(`.tile[data-participant="${p.id}"]`);
    if (!tile) {
      const self = p.id === call.me;
      tile = h(
        'div.tile',
        { dataset: { participant: p.id }, className: `tile${self ? ' self' : ''}` },
        h(
          'div.videos',
          {},
          self
            ? h('video.camera', { autoplay: true, playsInline: true, muted: true, srcObject: state.media })
            : h('video.remote', { autoplay: true, playsInline: true }),
          // Avatar mode while its agent is (re)starting: nothing of the camera is sent; say so over the tile.
          self ? null : h('div.held', { textContent: 'avatar paused - reconnecting' }),
          self
            ? h('video.processed', { autoplay: true, playsInline: true, muted: true, hidden: true })
            : null,
          self ? h('img.sketch', { alt: 'key-point sketch', hidden: true }) : null,
        ),
        h('div.label', {}, h('span.name'), h('span.badges')),
        h('pre.stats'),
      );
      tiles.append(tile);
      const stream = call.subscriber.streams.get(p.id);
      if (stream) attachStream(p.id, stream);
    }
    $('.name', tile).textContent = p.id === call.me ? `${p.displayName} (you)` : p.displayName;
    tile.dataset.mode = p.mode;
    tile.dataset.video = p.video;
    updateBadges(p.id);
  }
}

export function attachStream(id: string, stream: MediaStream): void {
  const v = document.querySelector<HTMLVideoElement>(`.tile[data-participant="${id}"] video.remote`);
  if (v && v.srcObject !== stream) v.srcObject = stream;
}

export function removeTile(id: string): void {
  document.querySelector(`.tile[data-participant="${id}"]`)?.remove();
}

const STATE_BADGE: Partial<Record<AgentStatus['state'], [string, string]>> = {
  'no-face': ['face lost - showing still', 'warn'],
  'fallback-still': ['face lost - showing still', 'warn'],
  'fallback-passthrough': ['face lost - showing camera', 'warn'],
  busy: ['server busy', 'warn'],
  'fallback-held': ['avatar paused - agent restarting', 'warn'],
  'fallback-camera': ['agent restarting - showing camera', 'warn'],
  error: ['agent failed', 'bad'],
};

export function updateBadges(id: string): void {
  const call = state.call;
  const p = call?.participants.get(id);
  const el = document.querySelector(`.tile[data-participant="${id}"] .badges`);
  if (!call || !p || !el) return;
  const badges: Array<[string, string, string]> = [];
  if (p.mode === 'avatar' || p.mode === 'both') badges.push(['avatar', 'avatar', 'mode']);
  if (p.mode === 'eyes' || p.mode === 'both') badges.push(['eye contact', 'eyes', 'mode']);
  const s = call.statuses.get(id);
  if (p.mode !== 'none' && s) {
    const avatarMode = p.mode === 'avatar' || p.mode === 'both';
    const b =
      s.state === 'no-face' && !avatarMode
        ? (['face lost - showing camera', 'warn'] as const)
        : STATE_BADGE[s.state];
    if (b) badges.push([b[0], s.state, b[1]]);
    else if (p.video === 'processed') badges.push(['processed', 'processed', 'ok']);
    else if (p.video === 'held') badges.push(['avatar starting', 'held', 'warn']);
  }
  el.replaceChildren(
    ...badges.map(([text, key, kind]) =>
      h('span.badge', { className: `badge ${kind}`, textContent: text, dataset: { badge: key } }),
    ),
  );
}
