// The suites that exercise a whole call, run again on the mediasoup backend: the inference agent in a call
// (routes, lip-sync delay, a killed agent), avatar fail-over, the web client in Chromium, two network hosts, the
// announced address and port range, and a relay-only call through coturn.
// The files are the same ones that run on werift (test/agent, test/client, test/net): imported here with
// SFU=mediasoup, so every check they make is made on mediasoup too. Skipped, saying why, without the worker.
import { describe } from 'vitest';
import { mediasoupSkip } from './mediasoup-helpers.ts';

const skip = mediasoupSkip('the shared call suites on mediasoup');
// Read when each suite starts its server (startApp -> createSfu), and inherited by `npm start` children.
if (!skip) process.env.SFU = 'mediasoup';

// Each file in its own suite: their module-level hooks (an agent rig, a browser) stay with their own tests.
describe.skipIf(skip !== null)('on the mediasoup backend', () => {
  describe('agent in a call', async () => {
    await import('../agent/agent-call.test.ts');
  });
  describe('avatar fails closed', async () => {
    await import('../agent/agent-failover.test.ts');
  });
  describe('web client in Chromium', async () => {
    await import('../client/call.test.ts');
  });
  describe('two network hosts', async () => {
    await import('../net/netns-call.test.ts');
  });
  describe('announced address and port range', async () => {
    await import('../net/ice-network.test.ts');
  });
  describe('relay-only call through TURN', async () => {
    await import('../net/relay-call.test.ts');
  });
});
