// GET /metrics: connections by transport, what clients report about their negotiation, and
// the server's own signs of a proxy in the way (issue 7, docs/metrics.md).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer } from '../support/tandem_process.mjs';
import { request, rawConnection } from '../support/http_client.mjs';
import { TestClient } from '../support/protocol_client.mjs';

// name{labels} -> value, from the Prometheus text format.
async function scrape(server) {
  const res = await request(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const values = new Map();
  for (const line of res.body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

async function eventually(server, check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await scrape(server);
    try {
      check(values);
      return values;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('GET /metrics', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--poll-hold', '2s'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('starts with every transport at zero, help and type lines included', async () => {
    const res = await request(`${server.url}/metrics`);
    assert.match(res.body, /# TYPE tandem_connections_open gauge/);
    assert.match(res.body, /# HELP tandem_fallbacks_total /);
    const values = await scrape(server);
    for (const transport of ['websocket', 'sse', 'poll']) {
      assert.equal(values.get(`tandem_connections_open{transport="${transport}"}`), 0);
      assert.equal(values.get(`tandem_sessions_total{transport="${transport}"}`), 0);
    }
    assert.equal(values.get('tandem_store_commits_total'), 0);
  });

  test('a WebSocket client that moved up from long-poll is counted as open, reconnected and upgraded', async () => {
    const client = await new TestClient(server.url, {
      negotiation: { transport: 'websocket', attempts: [{ transport: 'websocket', outcome: 'ok', ms: 12 }],
                     reconnects: 3, previous: 'poll' },
    }).connect();
    await eventually(server, (v) => {
      assert.equal(v.get('tandem_connections_open{transport="websocket"}'), 1);
      assert.equal(v.get('tandem_sessions_total{transport="websocket"}'), 1);
      assert.equal(v.get('tandem_reconnects_total{transport="websocket"}'), 1);
      assert.equal(v.get('tandem_transport_switches_total{from="poll",to="websocket"}'), 1);
      assert.equal(v.get('tandem_negotiation_attempts_total{transport="websocket",outcome="ok"}'), 1);
    });
    client.close();
    await eventually(server, (v) => assert.equal(v.get('tandem_connections_open{transport="websocket"}'), 0));
  });

  test('a long-poll client after a refused WebSocket and a buffered SSE stream is a fallback for "refused"', async () => {
    const client = await new TestClient(server.url, {
      transport: 'poll',
      negotiation: { transport: 'poll', attempts: [
        { transport: 'websocket', outcome: 'refused', ms: 40, detail: 'HTTP 400' },
        { transport: 'sse', outcome: 'buffered', ms: 1500 }] },
    }).connect();
    client.subscribe('metrics-doc');
    await client.waitFor(() => client.docs.get('metrics-doc').version === 0);
    client.edit('metrics-doc', ['hello']);
    await client.waitFor(() => client.docs.get('metrics-doc').synced);
    const values = await eventually(server, (v) => {
      assert.equal(v.get('tandem_fallbacks_total{transport="poll",reason="refused"}'), 1);
      assert.equal(v.get('tandem_negotiation_attempts_total{transport="websocket",outcome="refused"}'), 1);
      assert.equal(v.get('tandem_negotiation_attempts_total{transport="sse",outcome="buffered"}'), 1);
      assert.equal(v.get('tandem_sessions_total{transport="poll"}'), 1);
      // The client keeps a poll held between batches.
      assert.equal(v.get('tandem_connections_open{transport="poll"}'), 1);
    });
    assert.ok(values.get('tandem_store_writes_total') >= 1);
    assert.ok(values.get('tandem_store_commits_total') >= 1);
    client.close();
  });

  test('a plain GET on /v1/ws through an HTTP/1.0 proxy: 426 naming the proxy and the fix, counted', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('GET /v1/ws HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Forwarded-Server: gateway.example\r\n\r\n');
    await conn.waitClosed();
    assert.match(conn.received, /^HTTP\/1\.0 426/);
    assert.match(conn.received, /"code":"upgrade_required"/);
    assert.match(conn.received, /X-Forwarded-Server, as Apache sends/);
    assert.match(conn.received, /proxy_http_version 1\.1/);
    assert.match(conn.received, /upgrade=websocket/);
    await eventually(server, (v) => assert.equal(v.get('tandem_websocket_upgrade_missing_total'), 1));
    assert.match(server.log, /without its Upgrade header: a proxy on gateway\.example/);
  });

  test('an HTTP/1.0 poll is counted as proxied HTTP/1.0; a foreign origin is counted per transport', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('GET /v1/poll?client=c10&sub=x HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    await conn.waitClosed(10000);
    assert.match(conn.received, /^HTTP\/1\.0 200/);
    const refused = await request(`${server.url}/v1/sse?client=c11&sub=x`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(refused.status, 403);
    await assert.rejects(new TestClient(server.url, { origin: 'https://evil.example' }).connect());
    await eventually(server, (v) => {
      assert.equal(v.get('tandem_proxied_http10_requests_total'), 1);
      assert.equal(v.get('tandem_origin_refused_total{transport="sse"}'), 1);
      assert.equal(v.get('tandem_origin_refused_total{transport="websocket"}'), 1);
    });
  });
});
