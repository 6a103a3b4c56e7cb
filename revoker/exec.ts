import { spawn } from 'node:child_process';
import { UsageError } from '../core/errors.js';

/**
 * Running the revoker's command (`--exec CMD`) for one entry, without a shell: nothing in CMD or in an
 * entry is ever interpreted by one, so a principal named `$(rm -rf /)` is just a string on stdin.
 */

/** What one run of CMD came to: its exit code decides the ack status (see docs/revoker.md). */
export interface ExecResult {
  /** `done` exit 0, `already` exit 3 (already absent / already present), `failed` anything else. */
  outcome: 'done' | 'already' | 'failed';
  detail: string;
}

/** Exit code a command returns when the grant is already in the wanted state. */
export const EXIT_ALREADY = 3;
/** Most of a command's stdout/stderr kept in an ack's detail (the end, where errors usually are). */
export const DETAIL_MAX_CHARS = 1000;

/**
 * Splits `--exec` into a program and its arguments by a small rule: words are separated by whitespace;
 * '…' keeps everything inside as is; "…" too, except that \" and \\ stand for " and \; outside quotes a
 * backslash keeps the next character. No variables, globs, pipes or redirections: for those, run
 * `sh -c '…'` explicitly.
 */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (cmd[i + 1] === '"' || cmd[i + 1] === '\\')) word += cmd[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\') {
      if (i + 1 >= cmd.length) throw new UsageError(`--exec ${cmd}: ends with a lone backslash`);
      word = (word ?? '') + cmd[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new UsageError(`--exec ${cmd}: unterminated ${quote} quote`);
  if (word !== null) words.push(word);
  if (words.length === 0) throw new UsageError('--exec: empty command');
  return words;
}

/** The end of a command's output, on one line, at most DETAIL_MAX_CHARS. */
export function tail(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' | ');
  return flat.length <= DETAIL_MAX_CHARS ? flat : `…${flat.slice(flat.length - DETAIL_MAX_CHARS + 1)}`;
}

/**
 * Runs `argv` once with `input` on stdin and `env` added to the environment. The command runs in its own
 * process group, so a timeout kills whatever it started too (a `sh -c` and its children).
 */
export function runEntry(argv: string[], input: string, env: Record<string, string>, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // Keep a bounded amount: a chatty command must not fill memory.
    const keep = (buf: string, chunk: Buffer) => (buf + chunk.toString('utf8')).slice(-4 * DETAIL_MAX_CHARS);
    child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
    // A command that does not read its stdin closes the pipe: not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ outcome: 'failed', detail: `cannot run ${argv[0]}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ outcome: 'failed', detail: tail(`timed out after ${timeoutMs} ms; killed. ${stderr}`) });
      else if (code === 0) resolve({ outcome: 'done', detail: tail(stdout) });
      else if (code === EXIT_ALREADY) resolve({ outcome: 'already', detail: tail(stdout) });
      else resolve({ outcome: 'failed', detail: tail(`${signal ? `killed by ${signal}` : `exit ${code}`}: ${stderr || stdout}`) });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Entries that, failing the same way from the first one, make the revoker give up: the cause is not the entries. */
export const GIVE_UP_AFTER = 5;

/**
 * Watches a revoker run's outcomes and aborts its signal when the first `after` entries all failed with
 * the same detail (a missing token, a wrong URL): running the rest would fail alike. One entry that did
 * not fail, or failed otherwise, and the watch stands down for the run.
 */
export class FailureWatch {
  private readonly controller = new AbortController();
  private reason: string | null = null;
  private alike = 0;
  private mixed = false;

  constructor(private readonly after = GIVE_UP_AFTER) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  record(failed: boolean, detail: string): void {
    if (this.mixed || this.controller.signal.aborted) return;
    if (!failed || (this.reason !== null && detail !== this.reason)) {
      this.mixed = true;
      return;
    }
    this.reason = detail;
    if (++this.alike >= this.after) this.controller.abort();
  }

  /** The shared failure it gave up on, with how many entries failed so, or null while it has not. */
  gaveUp(): { reason: string; entries: number } | null {
    return this.controller.signal.aborted && this.reason !== null ? { reason: this.reason, entries: this.alike } : null;
  }
}
