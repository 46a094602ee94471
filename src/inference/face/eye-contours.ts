// Where the iris model's 71 eye-contour points sit in the 468-point face mesh (MediaPipe indexing), per eye.
// The iris model refines these mesh points (as MediaPipe's iris pipeline and Human do).
//
// The iris model sees the subject's right eye (corners 33 -> 133, image left) as is and the left eye (263 -> 362)
// mirrored, so the same contour index means the same place on both eyes.

import {
  LEFT_EYE_CORNERS,
  LEFT_LID_CENTRE,
  RIGHT_EYE_CORNERS,
  RIGHT_LID_CENTRE,
} from '../geometry/landmarks.ts';

/** Ranges of the 71 contour points, each with the mesh indices it refines (right eye, left eye). */
const GROUPS: readonly {
  contour: number;
  right: readonly number[];
  left: readonly number[];
  tight: boolean;
}[] = [
  // Lid margin (the eye opening): corner to corner.
  {
    contour: 0,
    right: [33, 7, 163, 144, 145, 153, 154, 155, 133],
    left: [263, 249, 390, 373, 374, 380, 381, 382, 362],
    tight: true,
  },
  {
    contour: 9,
    right: [246, 161, 160, 159, 158, 157, 173],
    left: [466, 388, 387, 386, 385, 384, 398],
    tight: true,
  },
  // Rings around the eye, from the lid outward, then the brow.
  {
    contour: 16,
    right: [130, 25, 110, 24, 23, 22, 26, 112, 243],
    left: [359, 255, 339, 254, 253, 252, 256, 341, 463],
    tight: false,
  },
  {
    contour: 25,
    right: [247, 30, 29, 27, 28, 56, 190],
    left: [467, 260, 259, 257, 258, 286, 414],
    tight: false,
  },
  {
    contour: 32,
    right: [226, 31, 228, 229, 230, 231, 232, 233, 244],
    left: [446, 261, 448, 449, 450, 451, 452, 453, 464],
    tight: false,
  },
  {
    contour: 41,
    right: [113, 225, 224, 223, 222, 221, 189],
    left: [342, 445, 444, 443, 442, 441, 413],
    tight: false,
  },
  { contour: 48, right: [35, 124, 46, 53, 52, 65], left: [265, 353, 276, 283, 282, 295], tight: false },
  {
    contour: 54,
    right: [143, 111, 117, 118, 119, 120, 121, 128, 245],
    left: [372, 340, 346, 347, 348, 349, 350, 357, 465],
    tight: false,
  },
  {
    contour: 63,
    right: [156, 70, 63, 105, 66, 107, 55, 193],
    left: [383, 300, 293, 334, 296, 336, 285, 417],
    tight: false,
  },
];

export const EYE_CONTOUR_COUNT = 71;
export const IRIS_POINTS = 5;

/** [contourIndex, meshIndex] pairs for each eye; `lidOnly` keeps the two lid-margin groups. */
export function contourToMesh(eye: 'right' | 'left', lidOnly = false): [number, number][] {
  const pairs: [number, number][] = [];
  for (const g of GROUPS) {
    if (lidOnly && !g.tight) continue;
    g[eye].forEach((m, i) => {
      pairs.push([g.contour + i, m]);
    });
  }
  return pairs;
}

/** Eye corners (outer, inner) and the lid-centre points whose depth the iris takes. */
export const EYE_CORNERS = { right: RIGHT_EYE_CORNERS, left: LEFT_EYE_CORNERS } as const;
export const EYE_LID_CENTRE = { right: RIGHT_LID_CENTRE, left: LEFT_LID_CENTRE } as const;
