// The debug sketch view: with debugSketch on, the agent running the real frame pipeline sends its user (and only
// its user) small JPEG sketches of the key points; the server validates and relays them.
import { resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PIPELINE_PROCESSOR_MODULE } from '../../src/inference/agent/pipeline-processor.ts';
import { HeadlessCamera, loadClip } from '../../src/probe/camera.ts';
import { type AgentSketchPush, MAX_SKETCH_JPEG_BYTES } from '../../src/signaling/protocol.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { nextEvent } from '../media/helpers.ts';
import { publishingPair, useAgentRig } from './rig.ts';

const skip = !fixturesAvailable();
if (skip) console.warn(`sketch test skipped: fixtures not found at ${FIXTURES_DIR}`);

// The agent loads the tracker and generator first: minutes on a loaded machine.
const WAIT_MS = 120_000;

describe.skipIf(skip)('debug sketch from the agent (real pipeline, fixture driver clip)', () => {
  const rig = useAgentRig({ processorModule: PIPELINE_PROCESSOR_MODULE });

  it('eyes mode with debugSketch: the user receives JPEG sketches, other participants none', async () => {
    const clip = await loadClip(resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg'), 50);
    const cam = new HeadlessCamera({ clip });
    const { a, b } = await publishingPair(rig, 'sketch', cam);
    const seenByB: AgentSketchPush[] = [];
    b.client.on('sketch', (s) => seenByB.push(s));
    const first = nextEvent<AgentSketchPush>(a.client, 'sketch', () => true, WAIT_MS);
    expect(await a.client.settings({ mode: 'eyes', debugSketch: true })).toEqual({
      mode: 'eyes',
      identityId: null,
      debugSketch: true,
    });
    const s = await first;
    expect(s.participantId).toBe(a.id);
    const jpeg = Buffer.from(s.jpeg, 'base64');
    expect(jpeg.length).toBeLessThanOrEqual(MAX_SKETCH_JPEG_BYTES);
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([s.width, s.height]);
    expect(s.width).toBeGreaterThanOrEqual(128);
    expect(s.width).toBeLessThanOrEqual(256);
    // A face in the clip: once tracked, a sketch has drawn (non-black) pixels (the first may precede the face).
    const drawn = async (x: AgentSketchPush) => {
      const grey = await sharp(Buffer.from(x.jpeg, 'base64')).greyscale().raw().toBuffer();
      return grey.filter((v) => v > 64).length;
    };
    let lit = await drawn(s);
    for (let i = 0; i < 20 && lit <= 100; i++) {
      lit = await drawn(await nextEvent<AgentSketchPush>(a.client, 'sketch', () => true, WAIT_MS));
    }
    expect(lit).toBeGreaterThan(100);
    expect(seenByB).toHaveLength(0);
  }, 240_000);
});
