// Whether mediasoup's worker binary is here: `npm run build:mediasoup` builds it (scripts/mediasoup); the SFU
// choice (SFU=auto) and the mediasoup tests ask before they spawn one.
import { accessSync, constants } from 'node:fs';
import { setting } from '../../config.ts';

export function mediasoupWorkerBin(): string {
  return setting('MEDIASOUP_WORKER_BIN');
}

/** Why mediasoup cannot run here, or null when its worker binary is built. */
export function mediasoupUnavailable(): string | null {
  const bin = mediasoupWorkerBin();
  try {
    accessSync(bin, constants.X_OK);
    return null;
  } catch {
    return `no mediasoup worker binary at ${bin} (npm run build:mediasoup builds it)`;
  }
}
