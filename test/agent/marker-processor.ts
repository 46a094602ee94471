// A test FrameProcessor whose output is recognisable: the luma below the probe stamp band is flat (200), so a
// receiver can tell the agent's frames from the raw camera's (the synthetic pattern is far from flat).
import type { ProcessorFactory } from '../../src/inference/agent/processor.ts';
import { stampHeight } from '../../src/video/stamp.ts';

export const MARKER_LUMA = 200;

export const createFrameProcessor: ProcessorFactory = async () => ({
  name: 'marker',
  update() {},
  async process(frame) {
    const data = frame.data.slice();
    data.fill(MARKER_LUMA, stampHeight(frame.width) * frame.width, frame.width * frame.height);
    return { frame: { ...frame, data }, state: 'ok' };
  },
  close() {},
});
