// The call server of bench/sfu-compare in its own process, so its CPU is its own: no agents, the SFU backend
// from the environment (SFU, JANUS_URL) as `npm start` reads it. Prints `{"url":...,"pid":...}` on its first
// stdout line; SIGTERM stops it.
import { startApp } from '../src/server/app.ts';

const app = await startApp({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: app.url, pid: process.pid })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  app.close().finally(() => setTimeout(() => process.exit(0), 300));
});
