// The SFU behind its narrow interface: mediasoup (C++ workers, the default where its worker is built), werift
// (embedded, installs everywhere: the default without mediasoup's worker) or Janus (SFU=janus, JANUS_URL; see
// docs/janus.md).

import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { JanusSfu } from './janus/sfu.ts';
import { MediasoupSfu } from './mediasoup/sfu.ts';
import { mediasoupUnavailable } from './mediasoup/worker-bin.ts';
import type { Sfu, SfuOptions } from './types.ts';
import { WeriftSfu } from './werift/sfu.ts';

export type * from './types.ts';

const log = createLogger('media:sfu');

export type SfuBackend = 'werift' | 'janus' | 'mediasoup';

/** The backend SFU=auto means here: mediasoup where its worker is built, else werift (and why). */
export function autoBackend(): { backend: SfuBackend; why: string } {
  const missing = mediasoupUnavailable();
  return missing
    ? { backend: 'werift', why: `SFU=auto: werift, as mediasoup cannot run: ${missing}` }
    : { backend: 'mediasoup', why: 'SFU=auto: mediasoup (its worker is built)' };
}

export function createSfu(options: SfuOptions = {}): Sfu {
  const chosen = setting('SFU');
  let backend: SfuBackend;
  if (chosen === 'auto') {
    const auto = autoBackend();
    log.info(auto.why);
    backend = auto.backend;
  } else backend = chosen;
  if (backend === 'werift') return new WeriftSfu(options);
  if (backend === 'mediasoup') {
    const missing = mediasoupUnavailable();
    if (missing) throw new AppError('CONFIG_INVALID', `SFU=mediasoup: ${missing}`);
    return new MediasoupSfu(options);
  }
  const url = setting('JANUS_URL');
  if (!url)
    throw new AppError('CONFIG_INVALID', 'SFU=janus needs JANUS_URL (e.g. http://127.0.0.1:8088/janus)');
  // JANUS_TWCC=0: REMB only (as werift); TWCC's ramp-up cost ~15 ms of latency on loopback (docs/janus.md).
  return new JanusSfu(url, options, { twcc: setting('JANUS_TWCC') });
}
