import { afterEach, describe, expect, test } from 'vitest';
import { JiraStub, type Reply, type Request } from './testing/jira-stub.js';
import { startJiraServer, type JiraServer } from './testing/server.js';

/** The validating server is an oracle only if it refuses what breaks the description: these prove it does. */

const AUTH = { email: 'lapse@corp.example', token: 'tok' };
const headers = { authorization: `Basic ${Buffer.from('lapse@corp.example:tok').toString('base64')}`, 'content-type': 'application/json' };
let server: JiraServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(answer?: (r: Request) => Reply | undefined) {
  const stub = new JiraStub();
  if (answer) {
    const real = stub.handle.bind(stub);
    stub.handle = (r) => answer(r) ?? real(r);
  }
  server = await startJiraServer(stub, AUTH);
  return { stub, server };
}

const post = (path: string, body: unknown, h: Record<string, string> = headers) => fetch(`${server!.url}${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });

describe('requests', () => {
  test('a conforming search passes', async () => {
    await start();
    const res = await post('/rest/api/3/search/jql', { jql: 'project = "SEC"', fields: ['status'], maxResults: 10 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ issues: [], isLast: true });
    expect(server!.violations).toEqual([]);
  });

  test('a body property the description does not have is refused', async () => {
    await start();
    const res = await post('/rest/api/3/search/jql', { jql: 'project = "SEC"', startAt: 5 });
    expect(res.status).toBe(400);
    expect(server!.violations).toEqual([expect.stringMatching(/^searchAndReconsileIssuesUsingJqlPost request: .*additional properties/)]);
  });

  test('a query parameter of the wrong type is refused', async () => {
    await start();
    await fetch(`${server!.url}/rest/api/3/user/search?query=x&maxResults=many`, { headers });
    expect(server!.violations).toEqual([expect.stringMatching(/^findUsers request: .*maxResults.*integer/)]);
  });

  test('an operation outside the vendored description is a violation', async () => {
    await start();
    expect((await fetch(`${server!.url}/rest/api/3/myself`, { headers })).status).toBe(404);
    expect(server!.violations).toEqual(['GET /rest/api/3/myself: not an operation of the vendored description']);
  });

  test('wrong credentials get a 401 (which is a documented answer)', async () => {
    await start();
    const res = await post('/rest/api/3/search/jql', { jql: 'project = "SEC"' }, { ...headers, authorization: 'Basic bm9wZTpub3Bl' });
    expect(res.status).toBe(401);
    expect(server!.violations).toEqual([]);
  });
});

describe('answers', () => {
  const search = (body: unknown, status = 200) => (r: Request) => (r.op === 'searchAndReconsileIssuesUsingJqlPost' ? { status, body } : undefined);

  test('a body that breaks the response schema is a violation', async () => {
    await start(search({ issues: 'none', isLast: true }));
    await post('/rest/api/3/search/jql', { jql: 'project = "SEC"' });
    expect(server!.violations).toEqual([expect.stringContaining('searchAndReconsileIssuesUsingJqlPost → 200: /issues must be array')]);
  });

  test('an undocumented status is a violation, except rate limits and 5xx with an ErrorCollection body', async () => {
    await start(search({ errorMessages: ['teapot'] }, 418));
    await post('/rest/api/3/search/jql', { jql: 'project = "SEC"' });
    expect(server!.violations).toEqual(['searchAndReconsileIssuesUsingJqlPost → 418: not a documented response']);
  });

  test('a 503 whose body is not an ErrorCollection is a violation', async () => {
    await start(search({ error: 'down' }, 503));
    await post('/rest/api/3/search/jql', { jql: 'project = "SEC"' });
    expect(server!.violations).toEqual(['searchAndReconsileIssuesUsingJqlPost → 503: body is not an ErrorCollection']);
  });

  test('issue fields lapse reads are checked against their own schemas (IssueBean.fields is free-form)', async () => {
    await start(search({ issues: [{ id: '1', key: 'SEC-1', fields: { status: 'Done', resolution: { name: "Won't Do", color: 'red' } } }], isLast: true }));
    await post('/rest/api/3/search/jql', { jql: 'project = "SEC"' });
    expect(server!.violations).toEqual([
      'searchAndReconsileIssuesUsingJqlPost → 200: SEC-1 fields.status is not a StatusDetails: must be object',
      'searchAndReconsileIssuesUsingJqlPost → 200: SEC-1 fields.resolution is not a Resolution: must NOT have additional properties',
    ]);
  });
});
