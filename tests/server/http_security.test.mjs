// Security on the HTTP transports, identical to WebSocket (issue #5, DESIGN.md §5): the Origin
// allowlist on GET /v1/sse, GET /v1/poll and POST /v1/send, a CSRF-safe uplink (custom header,
// JSON content type), and JWT bearer tokens with per-document read/write permission.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { signToken } from '../support/protocol_client.mjs';
import { SseConnection, httpRequest, poll, send } from '../support/http_transport.mjs';

async function docState(base, id, headers = {}) {
  const res = await httpRequest(`${base}/v1/docs/${id}`, { headers });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

const op = (doc, v, seq, ops) => ({ t: 'op', doc, v, seq, op: ops });

// The status and error code of a refused downlink request, for both downlinks.
async function downlinkRefusal(base, path, client, subs, headers) {
  if (path === '/v1/poll') {
    const res = await poll(base, client, subs, { headers });
    return { status: res.status, code: res.json?.error?.code, headers: res.headers };
  }
  const sse = await SseConnection.open(base, client, subs, { headers });
  await sse.waitEnded(10000 * slowFactor);
  const body = sse.text ? JSON.parse(sse.text) : {};
  return { status: sse.status, code: body.error?.code, headers: sse.headers };
}

describe('CSRF and Origin on the HTTP transports', () => {
  let server;
  const allowed = 'https://app.example.com';
  before(async () => { server = await TandemServer.start({ args: ['--allow-origin', allowed] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  const unchanged = async (doc) => assert.deepEqual(await docState(server.url, doc), { id: doc, version: 0, text: '' });

  test('POST /v1/send without X-Tandem-Client is refused (csrf_header_required)', async () => {
    const res = await send(server.url, 'csrf', [op('csrf-1', 0, 1, ['x'])], { headers: { 'X-Tandem-Client': undefined } });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'csrf_header_required');
    assert.match(res.json.error.message, /X-Tandem-Client/);
    const bad = await send(server.url, 'csrf', [op('csrf-1', 0, 1, ['x'])], { headers: { 'X-Tandem-Client': 'not/an id' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'bad_client_id');
    await unchanged('csrf-1');
  });

  test('text/plain, form and other non-JSON content types get 415 bad_content_type', async () => {
    const body = JSON.stringify([op('csrf-2', 0, 1, ['x'])]);
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json', undefined]) {
      const res = await send(server.url, 'csrf', body, { headers: { 'Content-Type': type } });
      assert.equal(res.status, 415, `${type}: ${res.body}`);
      assert.equal(res.json.error.code, 'bad_content_type');
    }
    // The same request from a browser form, with an allowed origin even: no custom header.
    const form = await send(server.url, 'csrf', `data=${encodeURIComponent(body)}`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Tandem-Client': undefined, Origin: allowed },
    });
    assert.equal(form.status, 403);
    await unchanged('csrf-2');
    // Media types are case-insensitive and may carry parameters.
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8']) {
      const res = await send(server.url, 'csrf', [{ t: 'ping', id: 1 }], { headers: { 'Content-Type': type } });
      assert.equal(res.status, 200, `${type}: ${res.body}`);
    }
  });

  for (const path of ['/v1/send', '/v1/poll', '/v1/sse']) {
    test(`a foreign Origin on ${path} gets 403 origin_not_allowed, with no CORS grant`, async () => {
      for (const origin of ['https://evil.example', 'null', 'http://app.example.com', `${allowed}.evil.example`]) {
        const headers = { Origin: origin };
        const refusal = path === '/v1/send'
          ? await send(server.url, 'foreign', [op('csrf-3', 0, 1, ['x'])], { headers }).then((r) => ({ status: r.status, code: r.json?.error?.code, headers: r.headers }))
          : await downlinkRefusal(server.url, path, 'foreign', ['csrf-3'], headers);
        assert.equal(refusal.status, 403, origin);
        assert.equal(refusal.code, 'origin_not_allowed', origin);
        assert.equal(refusal.headers['access-control-allow-origin'], undefined, `${origin} was granted CORS`);
      }
      const preflight = await httpRequest(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-tandem-client' },
      });
      assert.equal(preflight.status, 403);
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      await unchanged('csrf-3');
    });
  }

  test('allowed and same origins pass, get a CORS grant, and the preflight allows the custom header', async () => {
    for (const origin of [allowed, server.url]) {
      const preflight = await httpRequest(`${server.url}/v1/send`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-tandem-client' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
      assert.match(preflight.headers['access-control-allow-headers'], /X-Tandem-Client/i);
      assert.match(preflight.headers['access-control-allow-headers'], /Last-Event-ID/i);
      assert.match(preflight.headers['access-control-allow-methods'], /POST/);

      const res = await send(server.url, 'friend', [{ t: 'ping', id: 1 }], { headers: { Origin: origin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      const polled = await poll(server.url, 'friend', ['csrf-4'], { headers: { Origin: origin } });
      assert.equal(polled.status, 200);
      assert.equal(polled.headers['access-control-allow-origin'], origin);
      // The page must be able to read X-Tandem-More (and Retry-After on refusals).
      assert.match(polled.headers['access-control-expose-headers'], /X-Tandem-More/i);
      assert.match(polled.headers['access-control-expose-headers'], /Retry-After/i);
      const sse = await SseConnection.open(server.url, 'friend-sse', ['csrf-4'], { headers: { Origin: origin } });
      assert.equal(sse.status, 200);
      assert.equal(sse.headers['access-control-allow-origin'], origin);
      sse.destroy();
    }
    // An allowed page can read refusals too (a 400 here), so it can act on their codes.
    const refused = await poll(server.url, 'friend', ['bad/doc'], { headers: { Origin: allowed } });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.code, 'bad_doc_id');
    assert.equal(refused.headers['access-control-allow-origin'], allowed);
  });
});

describe('tokens on the HTTP transports', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-hs256';
  let server;
  let tokens;
  before(async () => {
    server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret } });
    const now = Math.floor(Date.now() / 1000);
    tokens = {
      writer: await signToken({ sub: 'w', exp: now + 600, docs: [{ pattern: 'team-*', access: 'write' }] }, secret),
      reader: await signToken({ sub: 'r', exp: now + 600, docs: [{ pattern: '*', access: 'read' }] }, secret),
      expired: await signToken({ sub: 'x', exp: now - 3600, docs: [{ pattern: '*', access: 'write' }] }, secret),
    };
  });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });
  const bearer = (name) => ({ Authorization: `Bearer ${tokens[name]}` });

  test('no token, an expired or a tampered one: 401 unauthorized on all three endpoints', async () => {
    const tampered = { Authorization: `Bearer ${tokens.writer.slice(0, -2)}xx` };
    for (const headers of [{}, bearer('expired'), tampered, { Authorization: tokens.writer }]) {
      for (const path of ['/v1/poll', '/v1/sse']) {
        const refusal = await downlinkRefusal(server.url, path, 'anon', ['team-a'], headers);
        assert.equal(refusal.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(refusal.code, 'unauthorized');
      }
      const res = await send(server.url, 'anon', [op('team-a', 0, 1, ['x'])], { headers });
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'unauthorized');
    }
    // Tokens are never taken from the URL (they would end up in logs).
    const inUrl = await httpRequest(`${server.url}/v1/poll?client=anon&sub=team-a&token=${tokens.writer}&access_token=${tokens.writer}`);
    assert.equal(inUrl.status, 401);
    assert.equal((await docState(server.url, 'team-a', bearer('reader'))).version, 0);
  });

  test('a read-only token reads over poll and SSE but cannot submit (read_only)', async () => {
    const written = await send(server.url, 'w1', [op('team-b', 0, 1, ['by writer'])], { headers: bearer('writer') });
    assert.deepEqual(written.json.results, [{ ok: true, v: 0 }]);
    const polled = await poll(server.url, 'r1', ['team-b'], { headers: bearer('reader') });
    assert.equal(polled.status, 200);
    assert.deepEqual(polled.messages[0], { t: 'snapshot', doc: 'team-b', v: 1, text: 'by writer' });
    const sse = await SseConnection.open(server.url, 'r2', ['team-b@0'], { headers: bearer('reader') });
    await sse.waitFor((s) => s.messages.some((m) => m.t === 'op'), 5000, 'the op');
    sse.destroy();
    const refused = await send(server.url, 'r1', [{ t: 'hello', client: 'r1' }, op('team-b', 1, 1, ['nope'])], { headers: bearer('reader') });
    assert.equal(refused.status, 200);
    assert.equal(refused.json.results[0].ok, true);
    assert.deepEqual({ ...refused.json.results[1], message: undefined }, { ok: false, code: 'read_only', message: undefined });
    assert.deepEqual(await docState(server.url, 'team-b', bearer('reader')), { id: 'team-b', version: 1, text: 'by writer' });
  });

  test('a document the token does not grant: 403 forbidden on the downlinks, forbidden per op', async () => {
    for (const path of ['/v1/poll', '/v1/sse']) {
      const refusal = await downlinkRefusal(server.url, path, 'w2', ['team-c', 'private'], bearer('writer'));
      assert.equal(refusal.status, 403, path);
      assert.equal(refusal.code, 'forbidden');
    }
    const res = await send(server.url, 'w2', [op('private', 0, 1, ['x']), op('team-c', 0, 1, ['ok'])], { headers: bearer('writer') });
    assert.equal(res.json.results[0].code, 'forbidden');
    assert.deepEqual(res.json.results[1], { ok: true, v: 0 });
    assert.equal((await docState(server.url, 'private', bearer('reader'))).version, 0);
  });

  test('an SSE stream ends with a fatal unauthorized event when its token expires', async () => {
    // A token is good until exp + 30 s (clock skew): this one has about 2 s left.
    const exp = Math.floor(Date.now() / 1000) + 2 - 30;
    const short = await signToken({ sub: 's', exp, docs: [{ pattern: '*', access: 'read' }] }, secret);
    const sse = await SseConnection.open(server.url, 'short-lived', ['team-d'], { headers: { Authorization: `Bearer ${short}` } });
    assert.equal(sse.status, 200);
    await sse.waitEnded(10000 * slowFactor);
    const last = sse.messages.at(-1);
    assert.equal(last.t, 'error');
    assert.equal(last.code, 'unauthorized');
    assert.equal(last.fatal, true);
    assert.ok(Date.now() >= ((exp + 30) * 1000) - 50, 'ended before the token expired');
  });
});
