// The extension's page script tells a getUserMedia call that picks the gazecam camera from one that does not,
// and asks the browser for the real camera with the page's wishes but without that device id.
import { describe, expect, it } from 'vitest';
import { GAZECAM_DEVICE_ID, realCameraConstraints, wantsGazecam } from '../../extension/src/page/devices.ts';

describe('extension: gazecam device requests', () => {
  it('recognises the gazecam device id in every constraint form', () => {
    expect(wantsGazecam({ video: { deviceId: GAZECAM_DEVICE_ID } })).toBe(true);
    expect(wantsGazecam({ video: { deviceId: { exact: GAZECAM_DEVICE_ID } } })).toBe(true);
    expect(wantsGazecam({ video: { deviceId: { ideal: [GAZECAM_DEVICE_ID, 'x'] } } })).toBe(true);
    expect(wantsGazecam({ video: { deviceId: ['x', GAZECAM_DEVICE_ID] } })).toBe(true);
  });

  it('leaves other requests to the browser', () => {
    expect(wantsGazecam({ video: true, audio: true })).toBe(false);
    expect(wantsGazecam({ audio: true })).toBe(false);
    expect(wantsGazecam({ video: { deviceId: { exact: 'abc' }, width: 640 } })).toBe(false);
    expect(wantsGazecam(undefined)).toBe(false);
  });

  it('asks for the real camera with the same wishes, any device, the microphone as asked', () => {
    expect(
      realCameraConstraints({ video: { deviceId: { exact: GAZECAM_DEVICE_ID }, width: 1280 }, audio: true }),
    ).toEqual({ video: { width: 1280 }, audio: true });
    expect(realCameraConstraints({ video: { deviceId: GAZECAM_DEVICE_ID } })).toEqual({
      video: true,
      audio: false,
    });
  });
});
