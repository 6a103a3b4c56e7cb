import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

/** `node bin/lapse.js` on an older node (the system's node 20) runs lapse on the Node 22 npm install brings, or says what to do. */

const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;

/** A node older than 22 on the PATH (outside node_modules), if the machine has one. */
function olderNode(): string | undefined {
  const all = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p && !p.includes('node_modules'));
  return all.find((p) => Number(spawnSync(p, ['--version'], { encoding: 'utf8' }).stdout.replace(/^v/, '').split('.')[0]) < 22);
}
const old = olderNode();

describe.skipIf(!old)(`started by an older node (${old ?? 'none on this machine: skipped'})`, () => {
  test('it runs on the Node 22 from node_modules, with the exit code passed through', () => {
    const version = spawnSync(old!, [BIN, '--version'], { encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+ \(node v2[2-9]\.\d+\.\d+\)\n$/);
    expect(version.status).toBe(0);
    const usage = spawnSync(old!, [BIN, 'no-such-command'], { encoding: 'utf8' });
    expect(usage.stderr).toMatch(/unknown command 'no-such-command'/);
    expect(usage.status).toBe(2);
  });

  test('without a Node 22 to run on, it exits 2 saying what to do', () => {
    const r = spawnSync(old!, [BIN, '--version'], { encoding: 'utf8', env: { ...process.env, LAPSE_NODE: '/nonexistent/node' } });
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lapse: lapse needs Node 22 or newer; this is v\d+\.[\d.]+\. Run `npm install` in the lapse folder, which brings Node 22/);
    expect(r.status).toBe(2);
  });
});
