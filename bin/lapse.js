#!/usr/bin/env node
// lapse needs Node 22. Started by an older node (`node bin/lapse.js` with the system's node 20), it runs
// itself again on the Node 22 that `npm install` brings (the `node` dev dependency), or says what to do.
// Plain JavaScript that any node can parse: the CLI itself is only imported once the version is right.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const NEEDED = 22;

if (Number(process.versions.node.split('.')[0]) >= NEEDED) {
  // V8's compiled code for lapse's ~200 modules, kept on disk between runs: a run starts ~80 ms sooner.
  // It lives in the temp directory; where that cannot be written, Node runs without it, silently.
  module.enableCompileCache?.();
  const { exitWhenFlushed, main } = await import('../dist/cli/main.js');
  await exitWhenFlushed(await main(process.argv));
} else {
  runOn(newerNode());
}

/** The Node 22 binary to run on: LAPSE_NODE if set, else the one in node_modules; undefined if there is none. */
function newerNode() {
  if (process.env.LAPSE_NODE) return existsSync(process.env.LAPSE_NODE) ? process.env.LAPSE_NODE : undefined;
  const candidates = ['../node_modules/node/bin/node', '../node_modules/.bin/node'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p));
}

/** Runs this script with the same arguments on `node`; its exit code (or signal) becomes ours. */
function runOn(node) {
  if (!node) {
    process.stderr.write(
      `lapse: lapse needs Node ${NEEDED} or newer; this is ${process.version}. Run \`npm install\` in the lapse folder, ` +
        `which brings Node ${NEEDED} (then \`npx lapse …\`), or install Node ${NEEDED}` +
        `${process.env.LAPSE_NODE ? ` (LAPSE_NODE=${process.env.LAPSE_NODE} does not exist)` : ''}.\n`,
    );
    process.exit(2);
  }
  const child = spawn(node, process.argv.slice(1), { stdio: 'inherit' });
  // A scheduler's SIGTERM (or a terminal's SIGINT) reaches the process that does the work.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`lapse: could not start ${node}: ${err.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
