// Accuracy against the peer: our 478 landmarks vs @vladmandic/human's (TF.js WASM) on every frame of the driver
// clips, as NME over the inter-ocular distance (outer eye corners). Slow (Human takes ~70 ms a frame).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithPeer } from '../../bench/peer/compare.ts';
import { createHumanPeer } from '../../bench/peer/human.ts';
import { nme } from '../../src/inference/face/nme.ts';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { decodeImage } from '../../src/video/image.ts';

describe.skipIf(!fixturesAvailable())(
  `accuracy vs Human (fixtures in ${FIXTURES_DIR}; skipped when absent)`,
  () => {
    it('NME <= 0.03 of the inter-ocular distance, mean over all frames of all clips', async () => {
      const r = await compareWithPeer({ warmup: 0 });
      console.info(
        `tracker vs Human: ${r.frames} frames, NME ${r.nme.toFixed(4)} (${r.clips.map((c) => `${c.clip} ${c.nme.toFixed(4)}`).join(', ')})`,
      );
      for (const c of r.clips) {
        expect(c.oursMissed).toBe(0);
        expect(c.compared).toBeGreaterThan(0.9 * c.frames);
      }
      expect(r.nme).toBeLessThanOrEqual(0.03);
    }, 600_000);

    it('agrees with Human on a photograph from a single still (detector path)', async () => {
      const img = await decodeImage(join(FIXTURES_DIR, 'identities', 's12.jpg'));
      const tracker = await FaceTracker.create({ smoothing: false });
      const peer = await createHumanPeer();
      try {
        const ours = await tracker.track(img);
        const ref = await peer.detect(img);
        expect(ours).not.toBeNull();
        expect(ref).not.toBeNull();
        if (ours && ref) expect(nme(ours.landmarks, ref.mesh)).toBeLessThan(0.05);
      } finally {
        await tracker.close();
        await peer.close();
      }
    }, 120_000);
  },
);
