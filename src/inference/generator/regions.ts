// The rings the warp and the renderers treat specially, built from the one topology table (geometry/landmarks.ts).

import {
  eyeLoop,
  FACE_OVAL,
  LEFT_EYE_LOWER,
  LEFT_EYE_UPPER,
  LEFT_IRIS_CENTRE,
  LEFT_LID_CENTRE,
  LIPS_INNER_LOWER,
  LIPS_INNER_UPPER,
  LIPS_OUTER_LOWER,
  LIPS_OUTER_UPPER,
  RIGHT_EYE_LOWER,
  RIGHT_EYE_UPPER,
  RIGHT_IRIS_CENTRE,
  RIGHT_LID_CENTRE,
} from '../geometry/landmarks.ts';

export { FACE_OVAL };

/** Inner lip contour: upper lip from corner 78 to corner 308, then the lower lip back. */
export const INNER_LIPS = eyeLoop(LIPS_INNER_UPPER, LIPS_INNER_LOWER);
/** Number of points of INNER_LIPS on the upper lip, corners included (78 ... 308). */
export const INNER_LIPS_UPPER = LIPS_INNER_UPPER.length;
export const OUTER_LIPS = eyeLoop(LIPS_OUTER_UPPER, LIPS_OUTER_LOWER);

export interface EyeRegion {
  /** Eyelid margin: upper lid from the outer corner to the inner corner, then the lower lid back. */
  ring: readonly number[];
  /** Points of `ring` on the upper lid, both corners included. */
  upper: number;
  outerCorner: number;
  innerCorner: number;
  /** Iris centre and its four contour points. */
  iris: number;
  upperMid: number;
  lowerMid: number;
}

/** The subject's right eye (image left in a non-mirrored frame). */
export const RIGHT_EYE: EyeRegion = {
  ring: eyeLoop(RIGHT_EYE_UPPER, RIGHT_EYE_LOWER),
  upper: RIGHT_EYE_UPPER.length,
  outerCorner: RIGHT_EYE_UPPER[0],
  innerCorner: RIGHT_EYE_UPPER[RIGHT_EYE_UPPER.length - 1],
  iris: RIGHT_IRIS_CENTRE,
  upperMid: RIGHT_LID_CENTRE.upper,
  lowerMid: RIGHT_LID_CENTRE.lower,
};

export const LEFT_EYE: EyeRegion = {
  ring: eyeLoop(LEFT_EYE_UPPER, LEFT_EYE_LOWER),
  upper: LEFT_EYE_UPPER.length,
  outerCorner: LEFT_EYE_UPPER[0],
  innerCorner: LEFT_EYE_UPPER[LEFT_EYE_UPPER.length - 1],
  iris: LEFT_IRIS_CENTRE,
  upperMid: LEFT_LID_CENTRE.upper,
  lowerMid: LEFT_LID_CENTRE.lower,
};

export const EYES = [RIGHT_EYE, LEFT_EYE] as const;
