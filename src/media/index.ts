// The SFU behind its narrow interface: werift is the embedded backend that installs everywhere (the default);
// SFU=janus drives a Janus VideoRoom at JANUS_URL instead (deployments; see docs/janus.md).

import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';
import { JanusSfu } from './janus/sfu.ts';
import type { Sfu, SfuOptions } from './types.ts';
import { WeriftSfu } from './werift/sfu.ts';

export type * from './types.ts';

export function createSfu(options: SfuOptions = {}): Sfu {
  if (setting('SFU') === 'werift') return new WeriftSfu(options);
  const url = setting('JANUS_URL');
  if (!url)
    throw new AppError('CONFIG_INVALID', 'SFU=janus needs JANUS_URL (e.g. http://127.0.0.1:8088/janus)');
  // JANUS_TWCC=0: REMB only (as werift); TWCC's ramp-up cost ~15 ms of latency on loopback (docs/janus.md).
  return new JanusSfu(url, options, { twcc: setting('JANUS_TWCC') });
}
