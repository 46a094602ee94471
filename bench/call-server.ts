// The call server of bench/call in its own process, as in a deployment: the SFU's event loop is not shared with
// the headless clients that stand in for browsers. Configured by argv JSON {poolSize, processor}; prints
// `{"url":...,"pid":...}` on its first stdout line once its warm agents are ready; SIGTERM stops it.
import { ProcessAgentLauncher } from '../src/inference/agent/launcher.ts';
import { startApp } from '../src/server/app.ts';

const cfg = JSON.parse(process.argv[2] ?? '{}') as { poolSize?: number; processor?: string };
const launcher = new ProcessAgentLauncher({
  keepStamp: true,
  processorModule: cfg.processor,
  poolSize: cfg.poolSize ?? 1,
});
const app = await startApp({ port: 0, launcher });
await launcher.warmUp();
process.stdout.write(`${JSON.stringify({ url: app.url, pid: process.pid })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  app
    .close()
    .then(async () => {
      const t = Date.now();
      while (launcher.handles.size > 0 && Date.now() - t < 5000) await new Promise((r) => setTimeout(r, 50));
    })
    .finally(() => {
      launcher.close();
      setTimeout(() => process.exit(0), 300);
    });
});
