// `npm start`: the call server (static client, signaling, SFU) with one inference agent process per user who
// turns a mode on. PORT (default 8080) and HOST (default 127.0.0.1) come from the environment; a non-loopback
// HOST serves HTTPS (TLS_CERT/TLS_KEY, else a self-signed certificate whose fingerprint is printed here).
import { resolve } from 'node:path';
import { ProcessAgentLauncher } from '../inference/agent/launcher.ts';
import { startApp } from '../server/app.ts';
import { createLogger } from '../util/logger.ts';
import { PROJECT_ROOT } from '../util/paths.ts';

const log = createLogger('cli:start');

// Agents run the frame pipeline unless AGENT_PROCESSOR_MODULE names another processor module.
const launcher = new ProcessAgentLauncher({
  processorModule:
    process.env.AGENT_PROCESSOR_MODULE ?? resolve(PROJECT_ROOT, 'src/inference/agent/pipeline-processor.ts'),
});
const app = await startApp({ launcher });
process.stdout.write(
  `gazecam call server: ${app.url}/  (open it in two browser windows; /healthz, /stats)\n`,
);
if (app.tls?.source === 'self-signed') {
  // Loud on purpose: this fingerprint is what users compare before they click through the browser warning.
  const line = '='.repeat(100);
  process.stdout.write(
    `${line}\nSELF-SIGNED CERTIFICATE (kept in ${app.tls.dir}). Browsers warn once per machine; proceed only if\n` +
      `the certificate's SHA-256 fingerprint (in the browser: the warning's certificate viewer) is\n` +
      `  ${app.tls.fingerprint}\nSet TLS_CERT and TLS_KEY to serve a real certificate instead.\n${line}\n`,
  );
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  log.info('shutting down');
  launcher.close();
  app
    .close()
    .catch((e) => log.error('close failed', e))
    .finally(() => setTimeout(() => process.exit(0), 200));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
