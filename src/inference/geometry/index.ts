// Public API of the geometry stage (see types.ts for the frames and conventions).
export { FaceAnalyzer, type FaceAnalyzerOptions, newFaceGeometry } from './analyzer.ts';
export { IRIS_DIAMETER_MM, PinholeCamera } from './camera.ts';
export {
  eyeOpening,
  interOcular,
  measureFace,
  mouthOpening,
  NeutralFace,
  type NeutralFaceOptions,
  toCanonical,
} from './expression.ts';
export {
  type EyeContactOptions,
  EyeContactPolicy,
  newEyeContactTarget,
  redirectWeight,
} from './eye-contact.ts';
export {
  EYEBALL_RADIUS_MM,
  eyeMesh,
  eyeMeshSize,
  GazeEstimator,
  IRIS_DEPTH_MM,
  newGazeResult,
} from './gaze.ts';
export * as landmarks from './landmarks.ts';
export { newHeadPose, PoseEstimator } from './pose.ts';
export { copyPose, expressionScale, type ReenactDriver, Reenactor, type ReenactSource } from './reenact.ts';
export {
  DEFAULT_SKETCH_STYLE,
  fitView,
  gazeColour,
  type SketchEye,
  SketchRenderer,
  type SketchView,
} from './sketch.ts';
export { TEMPLATE } from './template-data.ts';
export type * from './types.ts';
export { applySimilarity, invertSimilarity, SimilarityFitter } from './umeyama.ts';
