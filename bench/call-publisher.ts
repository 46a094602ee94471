// A stand-in user of bench/call in its own process: joins the room, publishes a stamped camera clip and a
// microphone with tone bursts, and receives nothing (a real user decodes the others on their own machine).
// Its own process lets the bench lower its priority without lowering the viewer's, whose playout buffers are
// part of what is measured. Configured by argv JSON {url, name, clip, fps, markEvery, niceness}.
// IPC in: {t:'settings', settings} | {t:'report'} | {t:'encoded'} | {t:'close'}.
// IPC out: {t:'ready', id} | {t:'settings', ok} | {t:'report', sentAt, burstsAt} (epoch ms) |
//   {t:'encoded', frames} (its video encoder's frames so far: a starved stand-in encodes fewer than it stamps) |
//   {t:'error', message}.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { HeadlessCamera, loadClip } from '../src/probe/camera.ts';
import { HeadlessClient } from '../src/signaling/headless-client.ts';
import type { Settings } from '../src/signaling/protocol.ts';

interface Config {
  url: string;
  name: string;
  clip: string | null;
  fps: number;
  markEvery: number;
  niceness: number;
}

type Message = { t: 'settings'; settings: Settings } | { t: 'report' } | { t: 'encoded' } | { t: 'close' };

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const send = (m: unknown) => process.send?.(m);
const epoch = (t: number) => performance.timeOrigin + t;

// Before libwebrtc starts its threads, which inherit the priority of the thread that creates them.
for (const tid of readdirSync('/proc/self/task')) {
  try {
    setPriority(Number(tid), cfg.niceness);
  } catch {
    // Ended since the listing, or not allowed: the bench reports what it asked for.
  }
}

let client: HeadlessClient | null = null;
let cam: HeadlessCamera | null = null;

function shutdown(code: number): void {
  cam?.stop();
  client?.close();
  // wrtc tears its threads down asynchronously; exit once it had the chance.
  setTimeout(() => process.exit(code), 300);
}

process.on('message', (m: Message) => {
  if (m.t === 'close') shutdown(0);
  else if (m.t === 'report' && cam)
    send({
      t: 'report',
      sentAt: [...cam.sentAt].map(([n, at]) => [n, epoch(at)]),
      burstsAt: cam.burstsAt.map(epoch),
    });
  else if (m.t === 'encoded' && client)
    client.getStats('publish').then(
      (stats) => {
        const v = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
        send({ t: 'encoded', frames: typeof v?.framesEncoded === 'number' ? v.framesEncoded : Number.NaN });
      },
      (e: Error) => send({ t: 'error', message: e.message }),
    );
  else if (m.t === 'settings' && client)
    client.settings(m.settings).then(
      () => send({ t: 'settings', ok: true }),
      (e: Error) => send({ t: 'error', message: e.message }),
    );
});
process.on('disconnect', () => shutdown(0));

try {
  const clip = cfg.clip ? await loadClip(cfg.clip, 125) : undefined;
  client = await HeadlessClient.connect(cfg.url);
  const { participantId: id, participants } = await client.join({ room: 'bench', displayName: cfg.name });
  await client.unsubscribe(participants.map((p) => p.id).filter((pid) => pid !== id));
  cam = new HeadlessCamera({ clip, fps: cfg.fps, stamp: true, audio: true, markEvery: cfg.markEvery });
  cam.start();
  await client.publish(cam.tracks());
  send({ t: 'ready', id });
} catch (e) {
  send({ t: 'error', message: (e as Error).message });
  shutdown(1);
}
