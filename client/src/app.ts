// The call page: join (room, name, passcode, devices, preview), identity picker, avatar / eye-contact toggles,
// tiles with badges and a stats overlay, and your own processed preview.
import type { AgentStatus, Mode, Participant } from '../../src/signaling/protocol.ts';
import { Call } from './call.ts';
import { $, h } from './dom.ts';
import { deleteIdentity, type Identity, listIdentities, uploadIdentity } from './identities.ts';
import { RequestError } from './signaling.ts';
import { Viewer } from './viewer.ts';

const NAME_KEY = 'gazecam.name';
const IDENTITY_KEY = 'gazecam.identity';

interface State {
  call: Call | null;
  media: MediaStream | null;
  identities: Identity[];
  identityId: string | null;
  avatar: boolean;
  eyes: boolean;
  preview: Viewer | null;
  previewStream: MediaStream | null;
  previewOpening: boolean;
  statsTimer: number | null;
  rejoining: boolean;
}

const state: State = {
  call: null,
  media: null,
  identities: [],
  identityId: localStorage.getItem(IDENTITY_KEY),
  avatar: false,
  eyes: false,
  preview: null,
  previewStream: null,
  previewOpening: false,
  statsTimer: null,
  rejoining: false,
};

export function startApp(roomFromUrl: string | null): void {
  const room = $<HTMLInputElement>('#room');
  const name = $<HTMLInputElement>('#name');
  room.value = roomFromUrl ?? new URLSearchParams(location.search).get('room') ?? 'demo';
  name.value = localStorage.getItem(NAME_KEY) ?? '';
  $('#join-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void join();
  });
  $('#leave').addEventListener('click', () => void leave());
  $('#toggle-avatar').addEventListener('change', () => void applyMode());
  $('#toggle-eyes').addEventListener('change', () => void applyMode());
  $('#toggle-sketch').addEventListener('change', () => void applyMode());
  $('#identity-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void upload();
  });
  $('#camera').addEventListener('change', () => void switchDevice('video'));
  $('#mic').addEventListener('change', () => void switchDevice('audio'));
  $('#show-stats').addEventListener('change', (ev) => {
    document.body.classList.toggle('stats-on', (ev.target as HTMLInputElement).checked);
  });
  void refreshIdentities();
  void openMedia();
}

// ---------- devices and preview ----------

function constraints(kind: 'audio' | 'video', deviceId?: string): MediaTrackConstraints | boolean {
  const id = deviceId ? { deviceId: { exact: deviceId } } : {};
  return kind === 'video'
    ? { ...id, width: { ideal: 512 }, height: { ideal: 512 }, frameRate: { ideal: 30 } }
    : { ...id, echoCancellation: true, noiseSuppression: true };
}

async function openMedia(): Promise<void> {
  try {
    state.media = await navigator.mediaDevices.getUserMedia({
      video: constraints('video'),
      audio: constraints('audio'),
    });
  } catch (e) {
    showError('#join-error', `camera/microphone unavailable: ${(e as Error).message}`);
    return;
  }
  $<HTMLVideoElement>('#preview').srcObject = state.media;
  await fillDevices();
}

async function fillDevices(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [sel, kind] of [
    ['#camera', 'videoinput'],
    ['#mic', 'audioinput'],
  ] as const) {
    const select = $<HTMLSelectElement>(sel);
    const current = state.media
      ?.getTracks()
      .find((t) => (kind === 'videoinput' ? t.kind === 'video' : t.kind === 'audio'))
      ?.getSettings().deviceId;
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) =>
          h('option', {
            value: d.deviceId,
            textContent: d.label || `${kind} ${i + 1}`,
            selected: d.deviceId === current,
          }),
        ),
    );
  }
}

async function switchDevice(kind: 'audio' | 'video'): Promise<void> {
  const media = state.media;
  if (!media) return;
  const deviceId = $<HTMLSelectElement>(kind === 'video' ? '#camera' : '#mic').value;
  try {
    const fresh = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, deviceId) });
    const track = fresh.getTracks()[0];
    for (const old of media.getTracks().filter((t) => t.kind === kind)) {
      media.removeTrack(old);
      old.stop();
    }
    media.addTrack(track);
    await state.call?.replaceTrack(track);
  } catch (e) {
    showError('#join-error', `cannot switch ${kind}: ${(e as Error).message}`);
  }
}

// ---------- joining and leaving ----------

async function join(): Promise<void> {
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
        left: (id) => document.querySelector(`.tile[data-participant="${id}"]`)?.remove(),
        status: (s) => updateBadges(s.participantId),
        sketch: (s) => showSketch(s.jpeg),
        stats: () => undefined,
        error: (m) => showError('#call-error', m),
        shutdown: (m) => {
          showError('#call-error', m);
          void rejoinWhenBack();
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
  state.avatar = false;
  state.eyes = false;
  $<HTMLInputElement>('#toggle-avatar').checked = false;
  $<HTMLInputElement>('#toggle-eyes').checked = false;
  state.statsTimer = window.setInterval(() => void renderStats(), 1000);
}

/** After a `server:shutdown`: wait for the server to answer again, then join the same room as before. */
async function rejoinWhenBack(): Promise<void> {
  if (state.rejoining) return;
  state.rejoining = true;
  try {
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const up = await fetch('/healthz', { cache: 'no-store' }).then(
        (r) => r.ok,
        () => false,
      );
      if (up && !state.call) {
        await join();
        if (state.call) {
          hideError('#call-error');
          return;
        }
      }
    }
  } finally {
    state.rejoining = false;
  }
}

async function leave(): Promise<void> {
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

// ---------- modes ----------

function modeOf(avatar: boolean, eyes: boolean): Mode {
  return avatar && eyes ? 'both' : avatar ? 'avatar' : eyes ? 'eyes' : 'none';
}

async function applyMode(): Promise<void> {
  hideError('#settings-error');
  const avatarBox = $<HTMLInputElement>('#toggle-avatar');
  const eyesBox = $<HTMLInputElement>('#toggle-eyes');
  if (avatarBox.checked && !state.identityId) {
    avatarBox.checked = false;
    showError('#settings-error', 'pick an identity first (upload a photo below)');
    return;
  }
  const call = state.call;
  if (!call) return;
  const mode = modeOf(avatarBox.checked, eyesBox.checked);
  try {
    await call.settings(mode, state.identityId, $<HTMLInputElement>('#toggle-sketch').checked);
    state.avatar = avatarBox.checked;
    state.eyes = eyesBox.checked;
  } catch (e) {
    avatarBox.checked = state.avatar;
    eyesBox.checked = state.eyes;
    const code = (e as RequestError).code;
    const why = (e as Error).message;
    showError(
      '#settings-error',
      code === 'AGENT_LIMIT'
        ? `Server busy (${code}): ${why}`
        : code === 'IDENTITY_NOT_FOUND'
          ? `That identity is not yours or no longer exists (${code}); pick another`
          : why,
    );
    document.querySelector<HTMLElement>('#settings-error')?.setAttribute('data-code', code ?? '');
  }
  syncPreview(mode);
}

/** Your own processed stream, as the others see it, while a mode is on. The viewer connection stays open until
 * you leave (each viewer joining or leaving renegotiates everyone's subscribe connection). */
function syncPreview(mode: Mode): void {
  const call = state.call;
  const on = !!call && mode !== 'none';
  const tile = document.querySelector<HTMLElement>('.tile.self');
  tile?.classList.toggle('processing', on);
  const v = document.querySelector<HTMLVideoElement>('.tile.self video.processed');
  if (v) {
    v.hidden = !on;
    if (on && state.previewStream && v.srcObject !== state.previewStream) v.srcObject = state.previewStream;
  }
  const img = document.querySelector<HTMLImageElement>('.tile.self img.sketch');
  if (img && (!on || !$<HTMLInputElement>('#toggle-sketch').checked)) img.hidden = true;
  if (!call || !on || state.preview || state.previewOpening) return;
  state.previewOpening = true;
  void Viewer.open({
    room: call.room,
    participant: call.me,
    passcode: $<HTMLInputElement>('#passcode').value || undefined,
    onStream: (stream) => {
      state.previewStream = stream;
      syncPreview(modeOf(state.avatar, state.eyes));
    },
  })
    .then((viewer) => {
      state.previewOpening = false;
      if (state.call === call) state.preview = viewer;
      else viewer.close();
    })
    .catch((e) => {
      state.previewOpening = false;
      showError('#settings-error', `processed preview: ${(e as Error).message}`);
    });
}

/** The agent's debug sketch beside your processed preview (pushed only while the sketch box is on). */
function showSketch(jpegBase64: string): void {
  const img = document.querySelector<HTMLImageElement>('.tile.self img.sketch');
  if (!img || !$<HTMLInputElement>('#toggle-sketch').checked) return;
  img.src = `data:image/jpeg;base64,${jpegBase64}`;
  img.hidden = false;
}

// ---------- identities ----------

async function refreshIdentities(): Promise<void> {
  try {
    state.identities = await listIdentities();
  } catch (e) {
    showError('#identity-error', (e as Error).message);
  }
  if (state.identityId && !state.identities.some((i) => i.id === state.identityId)) state.identityId = null;
  renderIdentities();
}

async function upload(): Promise<void> {
  hideError('#identity-error');
  const input = $<HTMLInputElement>('#identity-file');
  const files = [...(input.files ?? [])];
  if (files.length === 0) return showError('#identity-error', 'choose one or more photos of one person');
  const button = $<HTMLButtonElement>('#identity-upload');
  button.disabled = true;
  $('#identity-busy').hidden = false;
  try {
    const identity = await uploadIdentity(files, $<HTMLInputElement>('#identity-name').value.trim());
    input.value = '';
    $<HTMLInputElement>('#identity-name').value = '';
    state.identities = [identity, ...state.identities];
    pick(identity.id);
  } catch (e) {
    showError('#identity-error', (e as Error).message);
  } finally {
    button.disabled = false;
    $('#identity-busy').hidden = true;
  }
}

function pick(id: string | null): void {
  state.identityId = id;
  if (id) localStorage.setItem(IDENTITY_KEY, id);
  else localStorage.removeItem(IDENTITY_KEY);
  renderIdentities();
  // Applies live when avatar mode is on.
  if (state.call && state.avatar) void applyMode();
}

async function remove(id: string): Promise<void> {
  try {
    await deleteIdentity(id);
  } catch (e) {
    return showError('#identity-error', (e as Error).message);
  }
  state.identities = state.identities.filter((i) => i.id !== id);
  if (state.identityId === id) {
    if (state.avatar) {
      $<HTMLInputElement>('#toggle-avatar').checked = false;
      void applyMode();
    }
    pick(null);
  } else renderIdentities();
}

function renderIdentities(): void {
  $('#identities').replaceChildren(
    ...state.identities.map((identity) =>
      h(
        'li.identity',
        {
          dataset: { id: identity.id },
          className: `identity${identity.id === state.identityId ? ' selected' : ''}`,
        },
        h(
          'div.thumbs',
          {},
          ...identity.photos.map((p) =>
            h(
              'div.thumb',
              {},
              h('img', { src: p.url, alt: identity.name, loading: 'lazy' }),
              h('div.face-box', {
                style: `left:${(100 * p.box.x) / p.width}%;top:${(100 * p.box.y) / p.height}%;width:${(100 * p.box.width) / p.width}%;height:${(100 * p.box.height) / p.height}%`,
              }),
            ),
          ),
        ),
        h('span.identity-name', { textContent: `${identity.name} (${identity.photos.length})` }),
        h('button.pick', {
          type: 'button',
          textContent: identity.id === state.identityId ? 'picked' : 'pick',
          onclick: () => pick(identity.id),
        }),
        h('button.delete', {
          type: 'button',
          textContent: 'delete',
          onclick: () => void remove(identity.id),
        }),
      ),
    ),
  );
}

// ---------- tiles ----------

function renderTiles(list: Participant[]): void {
  const call = state.call;
  if (!call) return;
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

function attachStream(id: string, stream: MediaStream): void {
  const v = document.querySelector<HTMLVideoElement>(`.tile[data-participant="${id}"] video.remote`);
  if (v && v.srcObject !== stream) v.srcObject = stream;
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

function updateBadges(id: string): void {
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

async function renderStats(): Promise<void> {
  const call = state.call;
  if (!call) return;
  const [inbound, sent] = await Promise.all([call.subscriber.videoStats(), call.sendStats()]);
  for (const p of call.list()) {
    const el = document.querySelector(`.tile[data-participant="${p.id}"] .stats`);
    if (!el) continue;
    const s = call.statuses.get(p.id);
    const lines: string[] = [];
    if (p.id === call.me) {
      lines.push(`camera out ${sent.fps.toFixed(0)} fps ${sent.width}x${sent.height}`);
      if (sent.limited !== 'none') lines.push(`limited by ${sent.limited}`);
    } else {
      const r = inbound.get(p.id);
      if (r) {
        lines.push(`received ${r.fps.toFixed(0)} fps ${r.width}x${r.height}`);
        lines.push(`dropped here ${r.dropped}, jitter buffer ${r.jitterMs.toFixed(0)} ms`);
      }
    }
    if (s && p.mode !== 'none') {
      lines.push(`agent ${s.state}: out ${s.fps.toFixed(1)} fps, dropped ${s.drops}`);
      lines.push(`inference ${s.ms.toFixed(1)} ms/frame`);
      // The video's added latency as the agent measures it; the audio delay is what lip sync adds to audio
      // (0 when audio's own lag already covers the video's), not the video's latency.
      if (s.videoDelayMs !== undefined) lines.push(`added video latency ${s.videoDelayMs} ms`);
      if (s.audioDelayMs !== undefined)
        lines.push(
          s.audioDelayMs > 0
            ? `audio delayed ${s.audioDelayMs} ms to match`
            : 'audio not delayed (its own lag covers the video)',
        );
      if (s.message) lines.push(s.message);
    }
    el.textContent = lines.join('\n');
  }
}

// ---------- errors ----------

function showError(sel: string, message: string): void {
  const el = $(sel);
  el.textContent = message;
  el.hidden = false;
}

function hideError(sel: string): void {
  const el = $(sel);
  el.textContent = '';
  el.hidden = true;
}
