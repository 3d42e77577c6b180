// `auto` remembers its verdict and moves back up: with WebSocket refused the page settles on SSE
// (and remembers it); once WebSocket works again, the background probe moves the page up while
// someone types, with no op lost or doubled and no visible reconnect; the next load starts
// on WebSocket.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeTempDir } from '../support/tandem_process.mjs';
import { editor, launchBrowser, openEditor, readDoc, screenshot, shownText, slowFactor, startServer, waitSaved } from './browser_support.mjs';

const browser = await launchBrowser();
test.after(() => browser.close());

test('the background probe moves up to WebSocket while typing; the verdict follows', { timeout: 120000 * slowFactor }, async () => {
  const dataDir = makeTempDir();
  let server = await startServer({ dataDir, args: ['--test-websocket-upgrade', 'refuse'] });
  const context = await browser.newContext();
  try {
    const { page } = await openEditor(context, server, 'move-up');
    const badge = page.locator('[data-testid="transport"]');
    assert.equal(await badge.textContent(), 'sse');
    const verdict = await page.evaluate(() => JSON.parse(localStorage.getItem(`tandem.verdict:${location.origin}`)));
    assert.equal(verdict.transport, 'sse');
    assert.ok(verdict.expires > Date.now());
    await editor(page).pressSequentially('on sse. ');
    await waitSaved(page);

    // WebSocket works again (a proxy was fixed): same address, same data. The page is closed
    // meanwhile, so that no reconnect attempt against the stopped server touches the verdict.
    await page.goto('about:blank');
    await server.stop();
    server = await startServer({ dataDir, listen: `${server.host}:${server.port}` });
    await page.goto(`${server.url}/d/move-up`);
    await page.waitForSelector('[data-testid="editor"]', { timeout: 15000 * slowFactor });
    await page.waitForFunction(() => window.tandem.status.state === 'connected', null, { timeout: 30000 * slowFactor });
    assert.equal(await badge.textContent(), 'sse', 'the remembered verdict is used: no WebSocket on the way in');
    const first = await page.evaluate(() => window.tandem.diagnostics().negotiations[0].attempts);
    assert.deepEqual(first.map((a) => `${a.transport}:${a.outcome}`), ['sse:ok']);
    await page.evaluate(() => {
      window.statesSeen = [];
      window.tandem.on('status', (s) => window.statesSeen.push(`${s.state}/${s.transport}`));
    });
    await page.locator('[data-testid="editor"]').click();
    await page.keyboard.press('Control+End');

    // Type until the probe (15 s after connecting) has moved the page up, and a little after.
    let typed = 'on sse. ';
    const deadline = Date.now() + 40000 * slowFactor;
    let after = 0;
    while (after < 10) {
      assert.ok(Date.now() < deadline, 'moved up to WebSocket in time');
      const chunk = `${typed.length % 10}`;
      await editor(page).pressSequentially(chunk);
      typed += chunk;
      if ((await badge.textContent()) === 'websocket') after++;
      await page.waitForTimeout(100);
    }
    await waitSaved(page);
    assert.equal((await readDoc(server, 'move-up')).text, typed);
    assert.equal(await shownText(page), typed);
    assert.deepEqual(await page.evaluate(() => window.statesSeen), ['connected/websocket'], 'no reconnect shown');
    const diagnostics = await page.evaluate(() => window.tandem.diagnostics());
    assert.ok(diagnostics.probes.some((p) => p.transport === 'websocket'));
    assert.equal(diagnostics.verdict, 'websocket');
    // The server counted the move up from the hello's negotiation report (GET /metrics).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^tandem_transport_switches_total\{from="sse",to="websocket"\} 1$/m);
    await screenshot(page, 'moved-up');

    // The next load goes straight to WebSocket.
    await page.reload();
    await page.waitForSelector('[data-testid="editor"]', { timeout: 15000 * slowFactor });
    await page.waitForFunction(() => window.tandem.status.state === 'connected', null, { timeout: 15000 * slowFactor });
    assert.equal(await badge.textContent(), 'websocket');
    const attempts = await page.evaluate(() => window.tandem.diagnostics().negotiations[0].attempts);
    assert.deepEqual(attempts.map((a) => `${a.transport}:${a.outcome}`), ['websocket:ok']);
  } finally {
    await context.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
