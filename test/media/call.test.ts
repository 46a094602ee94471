// The call cases (call-cases.ts) on the embedded werift SFU.
import { callCases } from './call-cases.ts';
import { startTestServer } from './helpers.ts';

callCases({ name: 'werift', start: () => startTestServer() });
