// The close cases (close-cases.ts) on the Janus backend, then what closing does on Janus itself: a closed
// room's VideoRoom is destroyed, a closed SFU's session is gone, and a bad JANUS_URL or SFU name is a typed
// configuration error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSfu } from '../../src/media/index.ts';
import { type JanusProcess, janusUnavailable, launchJanus } from '../../src/media/janus/launch.ts';
import { JanusSfu } from '../../src/media/janus/sfu.ts';
import { closeCases } from './close-cases.ts';
import { JanusProbe } from './janus-helpers.ts';

const unavailable = janusUnavailable();
if (unavailable) console.warn(`skipping the Janus close tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('Janus backend close', () => {
  let janus: JanusProcess;
  let probe: JanusProbe;
  beforeAll(async () => {
    janus = await launchJanus();
    probe = await JanusProbe.open(janus.url);
  }, 30_000);
  afterAll(async () => {
    await probe?.close();
    await janus?.close();
  });

  describe('shared close cases', () => {
    closeCases({
      name: 'janus',
      createSfu: () => new JanusSfu(janus.url),
      settle: (sfu) => (sfu as JanusSfu).settled(),
    });
  });

  it('room.close() destroys the VideoRoom; sfu.close() destroys the session', async () => {
    const sfu = new JanusSfu(janus.url);
    const room = sfu.createRoom('gone');
    const vroom = await room.roomId;
    expect(await probe.exists(vroom)).toBe(true);
    // The monitor handle sits in the VideoRoom as a passive participant.
    expect((await probe.participants(vroom)).map((p) => p.display)).toEqual(['gazecam-monitor']);
    room.close();
    await sfu.settled();
    expect(await probe.exists(vroom)).toBe(false);
    const session = await sfu.session;
    sfu.close();
    await sfu.settled();
    expect(session.closed).toBe(true);
    const res = await fetch(`${janus.url}/${session.id}`, {
      method: 'POST',
      body: JSON.stringify({ janus: 'keepalive', transaction: 't' }),
    });
    expect(((await res.json()) as { janus: string }).janus).toBe('error');
  });
});

describe('SFU backend choice', () => {
  it('SFU=janus without JANUS_URL, or an unknown SFU, is CONFIG_INVALID', () => {
    const saved = { SFU: process.env.SFU, JANUS_URL: process.env.JANUS_URL };
    try {
      process.env.SFU = 'janus';
      delete process.env.JANUS_URL;
      expect(() => createSfu()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      process.env.SFU = 'nonsense';
      expect(() => createSfu()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
