// Minimal call page over the signaling protocol (src/signaling/protocol.ts); the real web client replaces it.
const $ = (id) => document.getElementById(id);
const logLine = (m) => ($('log').textContent = `${new Date().toLocaleTimeString()} ${m}\n${$('log').textContent}`.slice(0, 4000));

const socket = window.io({ transports: ['websocket'] });
let me = null;
let pubPc = null;
let subPc = null;
let midMap = {};
const streams = new Map(); // participantId -> MediaStream
const names = new Map();

function request(event, payload) {
  return new Promise((resolve, reject) => {
    socket.timeout(20000).emit(event, payload, (err, res) => {
      if (err) return reject(err);
      if (!res.ok) return reject(new Error(`${res.error.code}: ${res.error.message}`));
      resolve(res);
    });
  });
}

function tile(id, label) {
  let el = document.getElementById(`tile-${id}`);
  if (!el) {
    el = document.createElement('div');
    el.className = 'tile';
    el.id = `tile-${id}`;
    el.innerHTML = '<video autoplay playsinline></video><div class="name"></div><div class="badge"></div>';
    $('tiles').append(el);
  }
  if (label) el.querySelector('.name').textContent = label;
  return el;
}

function showParticipant(p) {
  names.set(p.id, p.displayName);
  const el = tile(p.id, p.id === me ? `${p.displayName} (you, camera)` : p.displayName);
  el.querySelector('.badge').textContent = `${p.mode}${p.mode !== 'none' ? ` - ${p.video}` : ''}`;
}

socket.on('subscribe:offer', async (msg, ack) => {
  try {
    midMap = msg.tracks;
    if (!subPc) {
      subPc = new RTCPeerConnection({ iceServers: [] });
      subPc.ontrack = (ev) => {
        const who = midMap[ev.transceiver.mid];
        if (!who) return;
        let s = streams.get(who.participantId);
        if (!s) streams.set(who.participantId, (s = new MediaStream()));
        s.addTrack(ev.track);
        const v = tile(who.participantId, names.get(who.participantId)).querySelector('video');
        if (v.srcObject !== s) v.srcObject = s;
      };
    }
    await subPc.setRemoteDescription(msg.offer);
    await subPc.setLocalDescription(await subPc.createAnswer());
    await gathered(subPc);
    ack({ ok: true, answer: { type: 'answer', sdp: subPc.localDescription.sdp } });
  } catch (e) {
    ack({ ok: false, error: { code: 'NEGOTIATION_FAILED', message: String(e) } });
  }
});
socket.on('participant:joined', ({ participant }) => showParticipant(participant));
socket.on('participant:updated', ({ participant }) => showParticipant(participant));
socket.on('participant:left', ({ participantId }) => {
  document.getElementById(`tile-${participantId}`)?.remove();
  streams.delete(participantId);
});
socket.on('agent:status', (s) => {
  const text = `${s.state} ${s.fps} fps, ${s.ms} ms, ${s.drops} dropped${s.message ? ` - ${s.message}` : ''}`;
  if (s.participantId === me) $('status').textContent = text;
  const el = document.getElementById(`tile-${s.participantId}`);
  if (el) el.querySelector('.badge').textContent = text;
});
socket.on('server:error', (e) => logLine(`server: ${e.code} ${e.message}`));

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(r, 2000);
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && (clearTimeout(t), r()));
  });
}

$('join').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const res = await request('join', {
      room: $('room').value,
      displayName: $('name').value,
      passcode: $('passcode').value || undefined,
    });
    me = res.participantId;
    for (const p of res.participants) showParticipant(p);
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 512, height: 512 }, audio: true });
    const own = tile(me).querySelector('video');
    own.muted = true;
    own.srcObject = media;
    pubPc = new RTCPeerConnection({ iceServers: [] });
    for (const t of media.getTracks()) pubPc.addTransceiver(t, { direction: 'sendonly', streams: [media] });
    await pubPc.setLocalDescription(await pubPc.createOffer());
    await gathered(pubPc);
    const { answer } = await request('publish:offer', { offer: { type: 'offer', sdp: pubPc.localDescription.sdp } });
    await pubPc.setRemoteDescription(answer);
    $('join').hidden = true;
    $('controls').hidden = false;
    logLine(`joined ${res.room} as ${me}`);
  } catch (e) {
    logLine(`join failed: ${e.message}`);
  }
});

$('mode').addEventListener('change', async () => {
  try {
    await request('settings', { mode: $('mode').value });
  } catch (e) {
    logLine(`settings failed: ${e.message}`);
  }
});

$('leave').addEventListener('click', async () => {
  await request('leave', {}).catch(() => undefined);
  location.reload();
});
