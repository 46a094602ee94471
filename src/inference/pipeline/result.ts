// What one frame of the pipeline gives back: the output frame, its state, per-stage timings and the geometry
// the sketch and the stats read.
import type { Frame } from '../../video/frame.ts';
import type { FaceResult } from '../face-result.ts';
import type { FaceGeometry } from '../geometry/index.ts';
import type { GazeRedirect, SketchEyes } from './targets.ts';

export type PipelineMode = 'avatar' | 'eyes' | 'both' | 'none';
export type PipelineState = 'ok' | 'no-face' | 'fallback-still' | 'fallback-passthrough';

export interface StageTimings {
  track: number;
  geometry: number;
  flow: number;
  generate: number;
  compose: number;
  total: number;
}

export const STAGES = ['track', 'geometry', 'flow', 'generate', 'compose', 'total'] as const;

export interface PipelineResult {
  /** Output frame, same pixel format as the input (avatar: size x size; otherwise the input's size). */
  frame: Frame;
  state: PipelineState;
  timings: StageTimings;
  /** The driver's face this frame (null when none was found). */
  face: FaceResult | null;
  /** Target landmarks the output was rendered at: the avatar's (avatar modes), the redirected eyes' (eyes). */
  target: Float32Array | null;
  /** Eye-contact redirect applied this frame (eyes / both). */
  redirect: GazeRedirect | null;
  /** The driver's geometry this frame (pose, expression, gaze; buffers reused by the next frame), or null. */
  geometry: FaceGeometry | null;
  /** The eyes of `target` (or of the face's landmarks in eyes mode) for a gaze-coded sketch. */
  sketchEyes: SketchEyes;
}

export const zeroTimings = (): StageTimings => ({
  track: 0,
  geometry: 0,
  flow: 0,
  generate: 0,
  compose: 0,
  total: 0,
});
