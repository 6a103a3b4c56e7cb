import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyOf, execForm, instructions, last, lint, stages } from './dockerfile.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DOCKERFILE = readFileSync(join(ROOT, 'infra/Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(ROOT, 'infra/Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

/** .dockerignore matching for the patterns used here: a path, a folder, or `*` within one segment. */
function ignored(path: string): boolean {
  return IGNORE.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}(/.*)?$`);
    return re.test(path);
  });
}

const inContext = (path: string) => existsSync(join(ROOT, path)) && !ignored(path);

describe('infra/Dockerfile', () => {
  test('passes every check', () => {
    expect(lint(DOCKERFILE, inContext)).toEqual([]);
  });

  test('is read as build, deps and runtime stages on Node 22 slim', () => {
    const all = stages(DOCKERFILE);
    expect(all.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(new Set(all.map((s) => s.image))).toEqual(new Set(['node:22-bookworm-slim']));
    const runtime = all.at(-1)!;
    expect(execForm(last(runtime, 'ENTRYPOINT'))).toEqual(['node', '/app/infra/entrypoint.mjs']);
    expect(runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => copyOf(i).from ?? 'context')).toEqual([
      'deps',
      'build',
      'context',
      'context',
      'context',
      'context',
    ]);
  });

  test('the build stage builds with the package.json script, and the context keeps state and secrets out', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const build = stages(DOCKERFILE).find((s) => s.name === 'build')!;
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const script = /npm run (\S+)/.exec(runs.join('\n'))?.[1];
    expect(script).toBe('build');
    expect(scripts[script!]).toBeDefined();
    for (const path of ['node_modules', 'dist', 'lapse-data', 'lapse-out', '.git', 'infra/terraform/prod.tfvars', 'x.log']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['bin', 'package.json', 'package-lock.json', 'core/db.ts', 'infra/entrypoint.mjs']) {
      expect(ignored(path), path).toBe(false);
    }
  });

  test('continuations and comments are joined the way Docker reads them', () => {
    const ins = instructions('FROM a AS b\n# note\nRUN one \\\n  # inner comment\n  two\n\nUSER 1000\n');
    expect(ins).toEqual([
      { line: 1, keyword: 'FROM', args: 'a AS b' },
      { line: 3, keyword: 'RUN', args: 'one two' },
      { line: 7, keyword: 'USER', args: '1000' },
    ]);
  });

  // Each broken variant must be caught, with a message that names the problem.
  test.each([
    ['root user', (t: string) => t.replace('USER 1000:1000', 'USER root'), /USER root: expected a numeric non-root uid/],
    ['named user', (t: string) => t.replace('USER 1000:1000', 'USER node'), /USER node: expected a numeric non-root uid/],
    ['no user', (t: string) => t.replace('USER 1000:1000', ''), /no USER, so it runs as root/],
    ['npm install', (t: string) => t.replace('npm ci --omit=dev', 'npm install --omit=dev'), /npm install ignores the lockfile/],
    ['npm ci without lockfile', (t: string) => t.replace('COPY package.json package-lock.json ./\nRUN npm ci --omit', 'COPY package.json ./\nRUN npm ci --omit'), /npm ci before package-lock.json/],
    ['dev deps in runtime', (t: string) => t.replace('npm ci --omit=dev', 'npm ci'), /node_modules must come from an `npm ci --omit=dev` stage/],
    ['shell-form entrypoint', (t: string) => t.replace('ENTRYPOINT ["node", "/app/infra/entrypoint.mjs"]', 'ENTRYPOINT node /app/infra/entrypoint.mjs'), /not in exec form/],
    ['latest tag', (t: string) => t.replace('node:22-bookworm-slim', 'node:latest'), /FROM node:latest: expected a pinned Node 22 slim tag/],
    ['node 20', (t: string) => t.replace('node:22-bookworm-slim', 'node:20-bookworm-slim'), /FROM node:20-bookworm-slim/],
    ['sources in runtime', (t: string) => t.replace('COPY bin ./bin', 'COPY bin ./bin\nCOPY core ./core'), /copies core; it should hold only/],
    ['dist from context', (t: string) => t.replace('COPY --from=build /src/dist ./dist', 'COPY dist ./dist'), /COPY dist: not in the build context/],
    ['unknown stage', (t: string) => t.replace('--from=deps', '--from=dependencies'), /COPY --from=dependencies: no earlier stage/],
    ['tmp not a volume', (t: string) => t.replace('VOLUME ["/tmp"]', ''), /TMPDIR must be set to a VOLUME/],
    ['no entrypoint copy', (t: string) => t.replace('COPY infra/entrypoint.mjs ./infra/entrypoint.mjs', ''), /runs a script the stage does not copy/],
    ['stray backslash', (t: string) => t.replace('USER 1000:1000', 'USER 1000:1000 \\'), /USER 1000:1000 VOLUME \["\/tmp"\]: expected/],
  ])('catches %s', (_name, mutate, message) => {
    const broken = mutate(DOCKERFILE);
    expect(broken).not.toBe(DOCKERFILE);
    expect(lint(broken, inContext).join('\n')).toMatch(message);
  });
});
