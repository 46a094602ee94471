// Face-mesh landmark rings (MediaPipe indexing) that the warp and the renderers treat specially.

/** Face outline, clockwise from the forehead top. */
export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
  150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
] as const;

/** Inner lip contour: upper lip from corner 78 to corner 308, then the lower lip back. */
export const INNER_LIPS = [
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
] as const;
/** Number of points of INNER_LIPS on the upper lip, corners included (78 ... 308). */
export const INNER_LIPS_UPPER = 11;
export const OUTER_LIPS = [
  61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
] as const;

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
  ring: [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
  upper: 9,
  outerCorner: 33,
  innerCorner: 133,
  iris: 468,
  upperMid: 159,
  lowerMid: 145,
};

export const LEFT_EYE: EyeRegion = {
  ring: [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249],
  upper: 9,
  outerCorner: 263,
  innerCorner: 362,
  iris: 473,
  upperMid: 386,
  lowerMid: 374,
};

export const EYES = [RIGHT_EYE, LEFT_EYE] as const;
