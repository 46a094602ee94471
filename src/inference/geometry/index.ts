// Public API of the geometry stage (see types.ts for the frames and conventions).
//
// Per frame, own eyes (eye-contact mode):
//   const geo = driverAnalyzer.analyze(face.landmarks, w, h, tMs, geo);      // pose, canonical, expression, gaze
//   const target = policy.update(geo.gaze, tMs);                             // redirected gaze per eye + weights
//   sketch.render(face.landmarks, view, { left: { ...geo.gaze.left, direction: target.left.direction }, ... });
// Avatar mode (source photo analysed once with its own FaceAnalyzer `src`):
//   reenactor.setSource({ pose: srcGeo.pose, canonical: srcGeo.canonical });
//   const pose = reenactor.update(geo, targetPoints, pose);                  // p_adapt (source image pixels)
//   src.gaze.placeEye('left', srcGeo.canonical, pose, camera, leftEye);      // the avatar's eyes (px and mm)
//   const target = policy.update(geo.gaze, tMs, { left: leftEye.centreMm, right: rightEye.centreMm });
//   sketch.render(targetPoints, view, { left: { ...leftEye, direction: target.left.direction,
//                                               open: geo.gaze.left.open }, ... });
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
  type EyePlacement,
  eyeMesh,
  eyeMeshSize,
  GazeEstimator,
  IRIS_DEPTH_MM,
  newEyePlacement,
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
