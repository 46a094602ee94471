// The close cases (close-cases.ts) on the embedded werift SFU.
import { createSfu } from '../../src/media/index.ts';
import { closeCases } from './close-cases.ts';

closeCases({ name: 'werift', createSfu: () => createSfu() });
