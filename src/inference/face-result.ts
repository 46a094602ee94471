// What the tracker finds in a frame, shared by the tracker, geometry, pipeline and agent.
import type { Box } from '../video/frame.ts';

export {
  LANDMARK_COUNT,
  /** Subject's left eye: centre 473, contour 474-477. */
  LEFT_IRIS_CENTRE as LEFT_IRIS,
  /** Subject's right eye (image left in a non-mirrored frame): centre 468, contour 469-472. */
  RIGHT_IRIS_CENTRE as RIGHT_IRIS,
} from './geometry/landmarks.ts';

export interface FaceResult {
  /** Axis-aligned box around the face mesh, image pixels. */
  box: Box;
  /** 478 x (x, y, z): x, y in image pixels; z in the same pixel scale, smaller = nearer the camera,
   * relative to the face (MediaPipe convention). */
  landmarks: Float32Array;
  /** Iris model's 71 eye-contour points per eye (x, y, z as landmarks); subject's left and right eye. */
  eyeContours: { left: Float32Array; right: Float32Array };
  /** Face presence confidence in [0, 1]. */
  score: number;
}
