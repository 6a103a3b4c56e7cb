#!/usr/bin/env node
// The container's entrypoint: `lapse <args>`, unchanged, with one addition. lapse reads its config from a
// local file only; here `--config s3://bucket/prefix/lapse.yaml` first fetches the config's folder (the
// config bundle: the config, the directory, grants snapshots) into TMPDIR, with lapse's own S3 code
// (default credential chain, AWS_ENDPOINT_URL_S3, retries), so relative paths in the config resolve the
// way they do on disk. Every command (run, ingest, doctor, revoker, report, …) goes through here.
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { readConfig } from '../dist/cli/config.js';
import { exitWhenFlushed, main } from '../dist/cli/main.js';
import { resolvePath } from '../dist/core/config.js';
import { EXIT, messageOf } from '../dist/core/errors.js';
import { createLogger } from '../dist/core/log.js';
import { openStore } from '../dist/core/store.js';

/** Exit codes of the signals a scheduler sends to stop a task (128 + signal number). */
const SIGNALS = { SIGTERM: 143, SIGINT: 130 };

/** Where `--config`'s value is in argv (`--config X`, `-c X`, `--config=X`), or undefined. */
function configArg(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return undefined;
    if ((a === '--config' || a === '-c') && i + 1 < args.length) return { index: i + 1, value: args[i + 1], prefix: '' };
    if (a.startsWith('--config=')) return { index: i, value: a.slice('--config='.length), prefix: '--config=' };
  }
  return undefined;
}

/** Downloads the folder holding an s3:// config; returns the local config path and the lake to clean up. */
async function fetchBundle(uri, log) {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m || m[2].endsWith('/')) throw new UsageFailure(`--config ${uri}: expected s3://bucket/prefix/<config file>`);
  // The whole folder is fetched: a config at the bucket's root would fetch the whole bucket.
  if (!m[2].includes('/')) throw new UsageFailure(`--config ${uri}: put the config in a folder of its own (s3://${m[1]}/<folder>/${m[2]}); its folder is fetched whole`);
  const folder = `s3://${m[1]}/${dirname(m[2])}`;
  const bundle = openStore(folder, { log: log.child({ component: 'entrypoint' }) });
  const objects = await bundle.list('');
  const name = basename(m[2]);
  if (!objects.some((o) => o.key === name)) {
    throw new UsageFailure(`--config ${uri}: no such object (the folder ${folder}/ holds ${objects.length} objects)`);
  }
  try {
    return await download(uri, bundle, objects, name, log);
  } catch (err) {
    await bundle.cleanup();
    throw err;
  }
}

async function download(uri, bundle, objects, name, log) {
  // Creates the lake's local directory before the parallel downloads below, so they all land in it.
  await bundle.scratch();
  const paths = await bundle.localPaths(objects.map((o) => o.key));
  const path = paths[objects.findIndex((o) => o.key === name)];
  // Downloads keep their keys' paths under one directory: relative paths in the config rely on it.
  const root = dirname(path);
  const astray = objects.findIndex((o, i) => paths[i] !== join(root, ...o.key.split('/')));
  if (astray >= 0) throw new Error(`--config ${uri}: ${objects[astray].key} was downloaded to ${paths[astray]}, outside ${root}`);
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  log.info({ component: 'entrypoint', config: uri, objects: objects.length, bytes }, 'config bundle fetched');
  return { path, bundle };
}

class UsageFailure extends Error {}

/**
 * The bundle is a temporary copy, removed when the command ends: the lake and every output must live
 * elsewhere (s3:// or an absolute path on a volume), or the lake and lists would vanish with it.
 */
async function refuseWritesInside(configPath) {
  const config = await readConfig(configPath);
  const root = dirname(configPath);
  const places = [['store', config.store], ...config.actions.flatMap((a, i) => ['target', 'dir'].filter((k) => typeof a[k] === 'string').map((k) => [`actions[${i}].${k}`, a[k]]))];
  for (const [field, value] of places) {
    if (value.startsWith('s3://')) continue;
    const rel = relative(root, resolvePath(config, value));
    if (!rel.startsWith('..') && !isAbsolute(rel)) {
      throw new UsageFailure(`${field}: ${value} is inside the config bundle, a temporary copy removed when the command ends; use s3://… or an absolute path on a volume`);
    }
  }
}

async function entrypoint(argv) {
  const args = argv.slice(2);
  const log = createLogger();
  for (const [signal, code] of Object.entries(SIGNALS)) {
    // A stopped task exits with the conventional code. Every write lapse makes is a whole object and the
    // ledger is the commit point, so stopping mid-run leaves nothing half-visible (a re-run resumes).
    process.once(signal, () => {
      // A command with its own handler (the revoker finishes and acks what it started) stops itself.
      if (process.listenerCount(signal) > 0) return;
      log.warn({ component: 'entrypoint', signal }, 'stopped by signal');
      process.exit(code);
    });
  }
  const config = configArg(args);
  if (!config?.value.startsWith('s3://')) return main([argv[0], 'lapse', ...args]);
  let fetched;
  try {
    fetched = await fetchBundle(config.value, log);
  } catch (err) {
    process.stderr.write(`lapse: ${messageOf(err)}\n`);
    return err instanceof UsageFailure ? EXIT.usage : EXIT.failed;
  }
  try {
    await refuseWritesInside(fetched.path);
  } catch (err) {
    await fetched.bundle.cleanup();
    process.stderr.write(`lapse: ${messageOf(err)}\n`);
    return EXIT.usage;
  }
  const local = [...args];
  local[config.index] = config.prefix + fetched.path;
  try {
    return await main([argv[0], 'lapse', ...local]);
  } finally {
    await fetched.bundle.cleanup();
  }
}

await exitWhenFlushed(await entrypoint(process.argv));
