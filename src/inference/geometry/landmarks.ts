// Which MediaPipe face-mesh index is where (478-point topology: 468 mesh + 2 x 5 iris), as the chains the
// sketch draws and the point sets the pose fit and the measures use. "Right"/"left" are the subject's: the
// subject's right eye is on the image's left in a non-mirrored frame.

/** Number of landmarks: 468 face-mesh points (MediaPipe indexing) + 2 x 5 iris points. */
export const LANDMARK_COUNT = 478;

/** Closed loop around the face, starting at the forehead top and going clockwise on screen. */
export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
  150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
] as const;

export const RIGHT_BROW_UPPER = [70, 63, 105, 66, 107] as const;
export const RIGHT_BROW_LOWER = [46, 53, 52, 65, 55] as const;
export const LEFT_BROW_UPPER = [300, 293, 334, 296, 336] as const;
export const LEFT_BROW_LOWER = [276, 283, 282, 295, 285] as const;

/** Eyelid contours, outer corner -> inner corner. */
export const RIGHT_EYE_UPPER = [33, 246, 161, 160, 159, 158, 157, 173, 133] as const;
export const RIGHT_EYE_LOWER = [33, 7, 163, 144, 145, 153, 154, 155, 133] as const;
export const LEFT_EYE_UPPER = [263, 466, 388, 387, 386, 385, 384, 398, 362] as const;
export const LEFT_EYE_LOWER = [263, 249, 390, 373, 374, 380, 381, 382, 362] as const;

/** Mid points of the upper and lower lid, per eye (the middle of the contours above). */
export const RIGHT_LID_CENTRE = { upper: RIGHT_EYE_UPPER[4], lower: RIGHT_EYE_LOWER[4] } as const;
export const LEFT_LID_CENTRE = { upper: LEFT_EYE_UPPER[4], lower: LEFT_EYE_LOWER[4] } as const;

/** Lips, right mouth corner -> left mouth corner. */
export const LIPS_OUTER_UPPER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291] as const;
export const LIPS_OUTER_LOWER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291] as const;
export const LIPS_INNER_UPPER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308] as const;
export const LIPS_INNER_LOWER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308] as const;

/** Nose: bridge from between the eyes to the tip, and the base from one wing to the other. */
export const NOSE_BRIDGE = [168, 6, 197, 195, 5, 4, 1] as const;
export const NOSE_BASE = [48, 64, 98, 97, 2, 326, 327, 294, 278] as const;

/** Eye corners (outer, inner) and iris centre/contour per eye. */
export const RIGHT_EYE_CORNERS = [33, 133] as const;
export const LEFT_EYE_CORNERS = [263, 362] as const;
export const RIGHT_IRIS_CENTRE = 468;
export const RIGHT_IRIS_RING = [469, 470, 471, 472] as const;
export const LEFT_IRIS_CENTRE = 473;
export const LEFT_IRIS_RING = [474, 475, 476, 477] as const;

/** Eyelid margin points between the corners (upper lid, then lower), per eye: what a blink moves. */
export const RIGHT_LID_MARGIN = [246, 161, 160, 159, 158, 157, 173, 155, 154, 153, 145, 144, 163, 7] as const;
export const LEFT_LID_MARGIN = [
  466, 388, 387, 386, 385, 384, 398, 382, 381, 380, 374, 373, 390, 249,
] as const;

/** Lid-gap pairs (upper, lower) per eye, for the eye-opening measure. */
export const RIGHT_LID_PAIRS = [
  [160, 144],
  [159, 145],
  [158, 153],
] as const;
export const LEFT_LID_PAIRS = [
  [387, 373],
  [386, 374],
  [385, 380],
] as const;
/** Inner-lip gap pairs (upper, lower) for the mouth-opening measure. */
export const MOUTH_PAIRS = [
  [82, 87],
  [13, 14],
  [312, 317],
] as const;

/** Midline points (forehead top -> chin), used to frontalise the template. */
export const MIDLINE = [
  10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 2, 164, 0, 13, 14, 17, 18, 200, 199, 175, 152,
] as const;

/** Left/right mirror pairs (subject's right, subject's left), used to frontalise the template. */
export const MIRROR_PAIRS = [
  [33, 263],
  [133, 362],
  [234, 454],
  [127, 356],
  [93, 323],
  [162, 389],
  [21, 251],
  [54, 284],
  [103, 332],
  [67, 297],
  [109, 338],
  [61, 291],
  [98, 327],
  [70, 300],
  [105, 334],
  [159, 386],
  [145, 374],
  [58, 288],
  [172, 397],
  [132, 361],
  [150, 379],
  [148, 377],
] as const;

/**
 * Rigid points for the pose fit with their weights: forehead, nose bridge and base, eye corners and the
 * face contour above the mouth. Lips, lids, brows and the jaw move with expression and are left out.
 */
export const RIGID_POINTS: ReadonlyArray<readonly [number, number]> = [
  // forehead (brow raises move its lower rows a little)
  [10, 1],
  [151, 1],
  [9, 0.7],
  [109, 1],
  [67, 1],
  [103, 1],
  [338, 1],
  [297, 1],
  [332, 1],
  [108, 0.7],
  [69, 0.7],
  [337, 0.7],
  [299, 0.7],
  // nose bridge and base
  [168, 1],
  [6, 1],
  [197, 1],
  [195, 1],
  [5, 1],
  [4, 0.7],
  [1, 0.7],
  [98, 0.5],
  [327, 0.5],
  // eye corners
  [33, 1],
  [133, 1],
  [362, 1],
  [263, 1],
  // face contour above the mouth
  [54, 1],
  [21, 1],
  [162, 1],
  [127, 1],
  [234, 1],
  [93, 0.7],
  [284, 1],
  [251, 1],
  [389, 1],
  [356, 1],
  [454, 1],
  [323, 0.7],
];

/** The rigid point indices and a 478-long weight array (0 for points not in the fit). */
export function rigidIndexAndWeights(): { indices: Uint16Array; weights: Float64Array } {
  const indices = new Uint16Array(RIGID_POINTS.length);
  const weights = new Float64Array(LANDMARK_COUNT);
  RIGID_POINTS.forEach(([i, w], k) => {
    indices[k] = i;
    weights[i] = w;
  });
  return { indices, weights };
}

/** Sketch chains by part; `closed` chains return to their first point. */
export interface Chain {
  points: readonly number[];
  closed: boolean;
}

export const SKETCH_CHAINS = {
  contour: [{ points: FACE_OVAL, closed: true }],
  brows: [
    { points: [...RIGHT_BROW_UPPER, ...[...RIGHT_BROW_LOWER].reverse()], closed: true },
    { points: [...LEFT_BROW_UPPER, ...[...LEFT_BROW_LOWER].reverse()], closed: true },
  ],
  nose: [
    { points: NOSE_BRIDGE, closed: false },
    { points: NOSE_BASE, closed: false },
  ],
  eyes: [
    { points: eyeLoop(RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), closed: true },
    { points: eyeLoop(LEFT_EYE_UPPER, LEFT_EYE_LOWER), closed: true },
  ],
  lipsOuter: [
    { points: [...LIPS_OUTER_UPPER, ...[...LIPS_OUTER_LOWER].slice(1, -1).reverse()], closed: true },
  ],
  lipsInner: [
    { points: [...LIPS_INNER_UPPER, ...[...LIPS_INNER_LOWER].slice(1, -1).reverse()], closed: true },
  ],
} satisfies Record<string, Chain[]>;

/** Upper lid then lower lid back (corners once each): a closed polygon around the eye opening. */
export function eyeLoop(upper: readonly number[], lower: readonly number[]): number[] {
  return [...upper, ...[...lower].slice(1, -1).reverse()];
}

export const RIGHT_EYE_LOOP = eyeLoop(RIGHT_EYE_UPPER, RIGHT_EYE_LOWER);
export const LEFT_EYE_LOOP = eyeLoop(LEFT_EYE_UPPER, LEFT_EYE_LOWER);
