import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { company } from './company.js';
import { AS_OF } from './world.js';

/**
 * Every command that prints a document or a stream, through a pipe whose reader is slow: the output
 * outgrows the pipe buffer while the command ends, and must arrive whole, with the command's exit code.
 */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const PIPE_BUF = 65_536;
const WAIT_MS = 1500;

/**
 * The slow reader: reads nothing until the writer (the process whose stdout is this pipe) is gone or has
 * used no CPU for half a second (done, and waiting for the pipe), sleeps, then copies stdin to stdout.
 * `--page` first shrinks the pipe to one page (F_SETPIPE_SZ), for outputs smaller than 64 KiB. Python,
 * for F_SETPIPE_SZ and /proc.
 */
const READER = `
import fcntl, os, select, sys, time
if sys.argv[1:] == ['--page']: fcntl.fcntl(0, 1031, 4096)
pipe = os.readlink('/proc/self/fd/0')
def writes_here(pid):
    try: return pid.isdigit() and os.readlink(f'/proc/{pid}/fd/1') == pipe
    except OSError: return False
writer = next((p for p in os.listdir('/proc') if writes_here(p)), None)
def cpu():
    try:
        with open(f'/proc/{writer}/stat') as f: return sum(int(x) for x in f.read().rsplit(')', 1)[1].split()[11:13])
    except OSError: return None
poll = select.poll()
poll.register(0, select.POLLIN)
seen, idle = None, 0
while writer and idle < 10 and not any(e & select.POLLHUP for _, e in poll.poll(0)):
    now = cpu()
    idle = idle + 1 if now == seen else 0
    seen = now
    time.sleep(0.05)
time.sleep(${WAIT_MS / 1000})
sys.stdout.buffer.write(sys.stdin.buffer.read())
`;
const python = spawnSync('python3', ['-c', 'import fcntl, termios'], { stdio: 'ignore' }).status === 0;

interface Piped { code: number; out: string; err: string }

/** `lapse ARGS | slow-reader` in `cwd`: the exit code is lapse's, `out` what the reader received. */
function throughSlowPipe(args: string[], cwd: string, smallPipe = false): Promise<Piped> {
  const script = `"$NODE" "$@" | python3 -c "$READER" ${smallPipe ? '--page' : ''}; exit "\${PIPESTATUS[0]}"`;
  const child = spawn('bash', ['-c', script, 'bash', BIN, ...args], {
    cwd,
    env: { ...process.env, NODE: process.execPath, READER, LAPSE_LOG_LEVEL: 'warn' },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}

const big = (r: Piped) => {
  expect(r.err).toBe('');
  expect(Buffer.byteLength(r.out)).toBeGreaterThan(PIPE_BUF);
  return r.out;
};

describe.skipIf(!python)('output through a slow pipe arrives whole (needs python3 for the slow reader)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await company({ people: 40, systems: 4, wide: 100, exemptions: 400, unresolved: 5 });
  });

  test('the run summary (larger than a one-page pipe)', async () => {
    const r = await throughSlowPipe(['run', '--config', 'lapse.yaml', '--as-of', AS_OF], dir, true);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(Buffer.byteLength(r.out)).toBeGreaterThan(4096);
    const lines = r.out.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toMatch(/^ {4}sys003: \d+ revocations → /);
  });

  test('documents and streams larger than the pipe buffer (on the lake the run above wrote)', async () => {
    const on = ['--config', 'lapse.yaml', '--as-of', AS_OF];
    const ttls = Array.from({ length: 60 }, (_, i) => i + 1).join(',');
    const [detect, explain, suggest, suggestTable, backtest, exemptions, parse] = await Promise.all([
      throughSlowPipe(['detect', ...on, '--json'], dir),
      throughSlowPipe(['explain', 'p0000', ...on, '--json'], dir),
      throughSlowPipe(['suggest-ttl', ...on, '--json'], dir),
      throughSlowPipe(['suggest-ttl', ...on], dir),
      throughSlowPipe(['backtest', ...on, '--ttl', ttls, '--json'], dir),
      throughSlowPipe(['exempt', '--list', '--json', '--config', 'lapse.yaml'], dir),
      throughSlowPipe(['parse', '--config', 'lapse.yaml', '--system', 'sys000', 'logs/sys000.jsonl'], dir),
    ]);
    for (const r of [detect, explain, suggest, suggestTable, backtest, exemptions]) expect(r.code).toBe(0);

    const doc = JSON.parse(big(detect)) as { findings: unknown[] };
    expect(doc.findings.length).toBeGreaterThan(500);
    expect((JSON.parse(big(explain)) as { grants: unknown[] }).grants.length).toBeGreaterThan(90);
    const rows = JSON.parse(big(suggest)) as unknown[];
    const table = big(suggestTable).trimEnd().split('\n');
    expect(table.filter((l) => /^ {2}(?!permission |\[\d+\] )\S/.test(l))).toHaveLength(rows.length); // one line a group
    expect(table.at(-1)).toMatch(/^ {2}\[\d+\] /); // and the notes below, to the last
    expect(JSON.parse(big(backtest))).toHaveLength(60 * 5); // each TTL: four systems and all
    expect(JSON.parse(big(exemptions))).toHaveLength(400);

    expect(parse.code).toBe(0);
    const records = (await readFile(join(dir, 'logs/sys000.jsonl'), 'utf8')).trimEnd().split('\n').length;
    const events = Buffer.byteLength(parse.out) > PIPE_BUF ? parse.out.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown) : [];
    expect(events).toHaveLength(records);
    expect(parse.err).toContain(`${records.toLocaleString('en-US')} records → ${records.toLocaleString('en-US')} events`);
  });

  test('a reader that goes away (| head) ends lapse with 141, as SIGPIPE would, and no stack trace', () => {
    const script = `"$NODE" "$@" | head -c 100 > /dev/null; exit "\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', script, 'bash', BIN, 'detect', '--config', 'lapse.yaml', '--as-of', AS_OF, '--json'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, NODE: process.execPath, LAPSE_LOG_LEVEL: 'warn' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });
});
