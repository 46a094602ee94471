// The SFU behind its narrow interface; werift is the backend that installs everywhere.

import type { Sfu, SfuOptions } from './types.ts';
import { WeriftSfu } from './werift/sfu.ts';

export type * from './types.ts';

export function createSfu(options: SfuOptions = {}): Sfu {
  return new WeriftSfu(options);
}
