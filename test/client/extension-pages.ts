// The "call app" of the extension test: a page on its own origin (not the gazecam server's) that does what a web
// call does with a camera: lists devices, opens one with getUserMedia, shows it, and sends it to a second page
// over an RTCPeerConnection of its own. Its script also reads the probe stamp (src/video/stamp.ts) of every
// frame of a track, to time the gazecam track against the plain camera, and logs frame sizes (the avatar is
// 256x256, the placeholder 320x240, the camera the clip's size).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const SCRIPT = `
window.log = { frames: {}, stamps: {} };
window.clones = [];
/** One frame of a track as a PNG data URL (what the track carries, not what a <video> painted). */
window.snap = async (track) => {
  const t = track.clone();
  const reader = new MediaStreamTrackProcessor({ track: t }).readable.getReader();
  const { value: f } = await reader.read();
  const c = new OffscreenCanvas(f.displayWidth, f.displayHeight);
  c.getContext('2d').drawImage(f, 0, 0);
  f.close();
  t.stop();
  const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return { width: c.width, height: c.height, png: btoa(bin) };
};
/** Reads frames of a track as they come: sizes (with times) and, when asked, the probe stamp of each. */
window.watch = (name, track, stamps) => {
  const copy = track.clone();
  clones.push(copy);
  const reader = new MediaStreamTrackProcessor({ track: copy }).readable.getReader();
  const frames = (log.frames[name] = []);
  const seen = (log.stamps[name] = []);
  let canvas = null;
  (async () => {
    for (;;) {
      const { value: f, done } = await reader.read();
      if (done) return;
      const at = performance.now();
      frames.push([at, f.displayWidth, f.displayHeight]);
      if (frames.length > 4000) frames.splice(0, 1000);
      if (stamps) {
        const w = f.displayWidth;
        const block = Math.max(4, Math.floor(w / 24));
        if (!canvas || canvas.width !== w) canvas = new OffscreenCanvas(w, block);
        const g = canvas.getContext('2d', { willReadFrequently: true });
        g.drawImage(f, 0, 0, w, block, 0, 0, w, block);
        const px = g.getImageData(0, 0, w, block).data;
        const m = Math.max(1, Math.floor(block / 4));
        let word = 0;
        for (let b = 0; b < 24; b++) {
          let sum = 0, n = 0;
          for (let y = m; y < block - m; y++)
            for (let x = b * block + m; x < (b + 1) * block - m; x++) {
              const i = (y * w + x) * 4;
              sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
              n++;
            }
          if (sum / n > 125.5) word |= 1 << b;
        }
        const v = word & 0xffff;
        const check = (word >>> 16) & 0xff;
        if (check === ((~(v ^ (v >> 8)) & 0xff) >>> 0)) seen.push([at, v]);
        if (seen.length > 4000) seen.splice(0, 1000);
      }
      f.close();
    }
  })();
};
window.show = (id, stream) => {
  const v = document.createElement('video');
  v.id = id; v.muted = true; v.autoplay = true; v.playsInline = true; v.srcObject = stream;
  document.body.append(v);
  return v.play().catch(() => undefined);
};
window.gathered = (pc) => new Promise((r) => {
  if (pc.iceGatheringState === 'complete') return r();
  pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
  setTimeout(r, 3000);
});
/** Receiving side: answers an offer, shows what arrives in <video id="remote">. */
window.answer = async (offer) => {
  const pc = (window.pc = new RTCPeerConnection());
  pc.ontrack = (e) => { window.remote = e.track; show('remote', new MediaStream([e.track])); watch('remote', e.track, false); };
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.toJSON();
};
window.receivedFps = async (ms) => {
  const frames = async () => {
    let n = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') n = s.framesDecoded; });
    return n;
  };
  const a = await frames();
  await new Promise((r) => setTimeout(r, ms));
  return ((await frames()) - a) * 1000 / ms;
};
`;

const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>a call app</title></head>
<body><script>${SCRIPT}</script></body></html>`;

/** Serves the call page on a free port of its own (another origin than the gazecam server). */
export async function startCallSite(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(HTML);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/call.html`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
