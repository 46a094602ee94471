// The key-point sketch of one pipeline result, as `render --sketch` and the agent's debug view show it: the
// avatar's target points (or the driver's landmarks in eyes mode) with the gaze-coded eyes, the output frame
// fitted into the sketch. A blank sketch when there is no face.
import type { RgbaFrame } from '../../video/frame.ts';
import { fitView, type SketchRenderer } from '../geometry/index.ts';
import type { PipelineResult } from './pipeline.ts';

export function renderResultSketch(
  sketch: SketchRenderer,
  r: Pick<PipelineResult, 'target' | 'face' | 'sketchEyes'>,
  width: number,
  height: number,
): RgbaFrame {
  const kp = r.target ?? r.face?.landmarks ?? null;
  return kp ? sketch.render(kp, fitView(width, height, sketch.size), r.sketchEyes) : sketch.clear();
}
