/**
 * A small Dockerfile reader and the checks lapse's image must pass. There is no Docker engine where the
 * tests run, so the Dockerfile is parsed (instructions, line continuations, comments, stages, ARG defaults)
 * and checked statically; the runtime stage's COPY list also tells the clean-copy test which files the
 * image holds (infra/container.test.ts).
 */

export interface Instruction {
  /** 1-based line where the instruction starts. */
  line: number;
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  /** The base image with global ARG defaults substituted. */
  image: string;
  line: number;
  instructions: Instruction[];
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

/** Instructions in order; `\` continues a line, `#` lines are comments (also inside a continuation). */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line) || (current === undefined && line.trim() === '')) return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    current = current ? { line: current.line, text: `${current.text} ${body.trim()}` } : { line: i + 1, text: body.trim() };
    if (continued) return;
    const m = /^(\S+)\s*(.*)$/.exec(current.text)!;
    out.push({ line: current.line, keyword: m[1]!.toUpperCase(), args: m[2]!.trim() });
    current = undefined;
  });
  if (current) out.push({ line: current.line, keyword: 'INCOMPLETE', args: current.text });
  return out;
}

/** The build stages; ARGs before the first FROM are substituted into FROM lines (`${NAME}` or `$NAME`). */
export function stages(text: string): Stage[] {
  const globals = new Map<string, string>();
  const out: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: cannot read FROM ${ins.args}`);
      const image = m[1]!.replace(/\$\{?(\w+)\}?/g, (_, name: string) => globals.get(name) ?? '');
      out.push({ name: m[2], image, line: ins.line, instructions: [] });
    } else if (out.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
      const [name, value = ''] = ins.args.split('=', 2);
      globals.set(name!, value.replace(/^"|"$/g, ''));
    } else {
      out.at(-1)!.instructions.push(ins);
    }
  }
  return out;
}

/** A COPY instruction's flags, sources and destination (shell form). */
export function copyOf(ins: Instruction): Copy {
  if (ins.args.startsWith('[')) {
    const parts = JSON.parse(ins.args) as string[];
    return { from: undefined, sources: parts.slice(0, -1), dest: parts.at(-1)!, line: ins.line };
  }
  const words = ins.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1)!, line: ins.line };
}

/** `ENTRYPOINT`/`CMD` in exec form (a JSON array), or undefined for the shell form. */
export function execForm(ins: Instruction | undefined): string[] | undefined {
  if (!ins?.args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(ins.args);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The last instruction of a kind in a stage (the one that takes effect). */
export const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);

/** `ENV` key/values of a stage (`K=V K2=V2` form). */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
  }
  return env;
}

/** What the runtime stage may hold: the built code, its production dependencies, and the entrypoint. */
export const RUNTIME_FILES = ['dist', 'bin', 'node_modules', 'package.json', 'infra/entrypoint.mjs', 'examples'];

/**
 * Every way the Dockerfile breaks what lapse's image promises, as messages naming the line; empty when
 * it is fine. `exists` says whether a build-context path exists (and is not excluded by .dockerignore).
 */
export function lint(text: string, exists: (contextPath: string) => boolean): string[] {
  const problems: string[] = [];
  let all: Stage[];
  try {
    all = stages(text);
  } catch (err) {
    return [(err as Error).message];
  }
  if (all.length < 2) problems.push('expected a multi-stage build (a build stage and a runtime stage)');
  const names = new Set<string>();
  for (const stage of all) {
    if (!/^node:22(\.\d+)*-(bookworm|trixie|bullseye)-slim$/.test(stage.image)) {
      problems.push(`line ${stage.line}: FROM ${stage.image}: expected a pinned Node 22 slim tag, e.g. node:22-bookworm-slim`);
    }
    for (const ins of stage.instructions) {
      if (ins.keyword === 'INCOMPLETE') problems.push(`line ${ins.line}: unfinished instruction (a trailing \\ at the end)`);
      if (ins.keyword !== 'RUN') continue;
      if (/\bnpm\s+(install|i|add)\b/.test(ins.args)) problems.push(`line ${ins.line}: npm install ignores the lockfile; use npm ci`);
      if (/\bnpm\s+ci\b/.test(ins.args) && !lockCopiedBefore(stage, ins)) {
        problems.push(`line ${ins.line}: npm ci before package-lock.json is copied into the stage`);
      }
      if (/\bnpm\s+ci\b/.test(ins.args) && !/--ignore-scripts/.test(ins.args)) {
        problems.push(`line ${ins.line}: npm ci without --ignore-scripts runs \`prepare\` and the \`node\` package's download`);
      }
    }
    for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY')) {
      const copy = copyOf(ins);
      if (copy.from !== undefined && !names.has(copy.from)) problems.push(`line ${ins.line}: COPY --from=${copy.from}: no earlier stage of that name`);
      if (copy.from === undefined) {
        for (const source of copy.sources.filter((s) => s !== '.')) {
          if (!exists(source)) problems.push(`line ${ins.line}: COPY ${source}: not in the build context (missing, or excluded by .dockerignore)`);
        }
      }
    }
    if (stage.name) names.add(stage.name);
  }
  const runtime = all.at(-1);
  if (runtime) problems.push(...lintRuntime(runtime, all));
  return problems;
}

function lockCopiedBefore(stage: Stage, run: Instruction): boolean {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && i.line < run.line)
    .some((i) => copyOf(i).sources.some((s) => s === 'package-lock.json' || s === 'package*.json' || s === '.'));
}

function lintRuntime(runtime: Stage, all: Stage[]): string[] {
  const problems: string[] = [];
  const user = last(runtime, 'USER')?.args;
  if (user === undefined) problems.push('runtime stage: no USER, so it runs as root');
  else if (!/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`runtime stage: USER ${user}: expected a numeric non-root uid (Kubernetes runAsNonRoot checks it)`);
  const entrypoint = execForm(last(runtime, 'ENTRYPOINT'));
  if (!entrypoint) problems.push('runtime stage: ENTRYPOINT missing or not in exec form (["node", "…"]): signals would go to a shell');
  const cmd = execForm(last(runtime, 'CMD'));
  if (!cmd) problems.push('runtime stage: CMD missing or not in exec form');
  else if (cmd[0] !== 'run' || !cmd.includes('--config')) problems.push(`runtime stage: CMD ${JSON.stringify(cmd)}: expected ["run", "--config", …]`);
  const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(copyOf);
  const held = copies.flatMap((c) => c.sources.map((s) => (c.from ? (s.split('/').at(-1) ?? s) : s)));
  for (const path of held) {
    if (!RUNTIME_FILES.includes(path)) problems.push(`runtime stage: copies ${path}; it should hold only ${RUNTIME_FILES.join(', ')}`);
  }
  for (const path of RUNTIME_FILES) if (!held.includes(path)) problems.push(`runtime stage: does not copy ${path}`);
  const script = entrypoint?.find((a) => a.endsWith('.mjs') || a.endsWith('.js'));
  if (entrypoint && !(script && copies.some((c) => c.sources.some((s) => script.endsWith(s))))) {
    problems.push(`runtime stage: ENTRYPOINT ${JSON.stringify(entrypoint)} runs a script the stage does not copy`);
  }
  const env = envOf(runtime);
  const volumes = runtime.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => execForm(i) ?? i.args.split(/\s+/));
  for (const key of ['TMPDIR', 'HOME']) {
    const dir = env.get(key);
    if (!dir || !volumes.some((v) => dir === v || dir.startsWith(`${v}/`))) {
      problems.push(`runtime stage: ${key} must be set to a VOLUME (the root filesystem is read-only)`);
    }
  }
  const deps = copies.find((c) => c.sources.some((s) => s.endsWith('node_modules')));
  const depsStage = all.find((s) => s.name === deps?.from);
  const install = depsStage?.instructions.find((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
  if (!install || !/--omit=dev/.test(install.args)) problems.push('runtime stage: node_modules must come from an `npm ci --omit=dev` stage');
  return problems;
}
