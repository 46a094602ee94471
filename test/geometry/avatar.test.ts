// The avatar chain end to end on synthetic faces: source analysed once, driver frames re-enacted onto it, the
// avatar's eyes placed at the target pose, the eye-contact policy aimed from those eyes, and the sketch drawn.
import { describe, expect, it } from 'vitest';
import { cameraDirection } from '../../src/inference/geometry/camera-ray.ts';
import {
  EyeContactPolicy,
  FaceAnalyzer,
  fitView,
  gazeColour,
  newEyePlacement,
  PinholeCamera,
  Reenactor,
  SketchRenderer,
  TEMPLATE,
} from '../../src/inference/geometry/index.ts';
import { angleBetween, eulerToMat3, RAD } from '../../src/inference/geometry/math.ts';
import { applySimilarity } from '../../src/inference/geometry/umeyama.ts';

const posed = (yaw: number, scale: number, tx: number, shape: ArrayLike<number> = TEMPLATE) =>
  applySimilarity(
    { scale, rotation: eulerToMat3(0, yaw * RAD, 0), translation: [tx, 250, 0] },
    shape,
    new Float64Array(1434),
  );

describe('avatar chain', () => {
  it('re-enacts, places the avatar eyes, aims them at the camera and draws them', () => {
    const camera = new PinholeCamera(512, 512, 60);
    const srcAn = new FaceAnalyzer();
    const srcGeo = srcAn.analyze(posed(0, 140, 256), 512, 512, 0);
    const reenactor = new Reenactor({ mode: 'relative' });
    reenactor.setSource({ pose: srcGeo.pose, canonical: srcGeo.canonical });
    const drvAn = new FaceAnalyzer();
    const policy = new EyeContactPolicy();
    const sketch = new SketchRenderer(256);
    const target = new Float32Array(1434);
    const left = newEyePlacement();
    const right = newEyePlacement();
    let last = null as ReturnType<typeof policy.update> | null;
    for (let f = 0; f < 10; f++) {
      const geo = drvAn.analyze(posed(f === 0 ? 0 : 6, 90, 256), 512, 512, f * 40);
      const pose = reenactor.update(geo, target);
      srcAn.gaze.placeEye('left', srcGeo.canonical, pose, camera, left);
      srcAn.gaze.placeEye('right', srcGeo.canonical, pose, camera, right);
      last = policy.update(geo.gaze, f * 40, { left: left.centreMm, right: right.centreMm });
      if (f > 0) expect(pose.yaw).toBeCloseTo(6, 3);
    }
    if (!last) throw new Error('no frames');
    // The driver looks straight ahead (within the full band), so the avatar's eyes look at the camera.
    expect(last.redirect).toBeGreaterThan(0.99);
    // "At the camera" in the gaze's own (image) axes: the eye's ray to the lens turned with the face's ray
    // (camera-ray.ts), so a face off the image centre is not read as looking away by its offset.
    expect(
      angleBetween(last.left.direction, cameraDirection(left.centreMm, left.centreMm, right.centreMm)),
    ).toBeLessThan(0.1);
    // The avatar keeps the source's size: its eyes sit at the source's depth.
    expect(left.centreMm[2]).toBeGreaterThan(0);
    const frame = sketch.render(target, fitView(512, 512, 256), {
      left: { ...left, direction: last.left.direction },
      right: { ...right, direction: last.right.direction },
    });
    const col = gazeColour(last.left.direction);
    let n = 0;
    for (let i = 0; i < frame.data.length; i += 4)
      if (frame.data[i] === col[0] && frame.data[i + 1] === col[1] && frame.data[i + 2] === col[2]) n++;
    expect(n).toBeGreaterThan(5);
  });
});
