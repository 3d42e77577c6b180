// Two browser contexts (two people) type concurrently into the demo, emoji and CJK included,
// on every forced transport and on auto: both converge on the server's text, nothing typed is
// lost, and each sees the other's cursor and name.
import test from 'node:test';
import assert from 'node:assert/strict';
import { editor, shownText, launchBrowser, openEditor, readDoc, screenshot, startServer, waitSaved, slowFactor } from './browser_support.mjs';

// A downlink grace far beyond the test's waits: a departed HTTP page must say it left.
const server = await startServer({ args: ['--downlink-grace', '120s'] });
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });

const CASES = [
  ...['websocket', 'sse', 'poll', 'auto'].map((transport) => ({ transport, editorKind: 'codemirror' })),
  { transport: 'auto', editorKind: 'textarea' },
];

for (const { transport, editorKind } of CASES) {
  test(`two people typing at once converge over ${transport} (${editorKind})`, async () => {
    const doc = `converge-${transport}-${editorKind}`;
    const params = [];
    if (transport !== 'auto') params.push(`transport=${transport}`);
    if (editorKind === 'textarea') params.push('editor=textarea');
    const query = params.length ? `?${params.join('&')}` : '';
    const sep = query ? '&' : '?';
    const alice = await browser.newContext();
    const bob = await browser.newContext();
    try {
      const a = (await openEditor(alice, server, doc, `${query}${sep}name=Alice`)).page;
      const b = (await openEditor(bob, server, doc, `${query}${sep}name=Bob`)).page;
      for (const page of [a, b]) {
        const badge = await page.locator('[data-testid="transport"]').textContent();
        assert.equal(badge, transport === 'auto' ? 'websocket' : transport);
        assert.equal(await page.locator('[data-testid="status"]').getAttribute('data-state'), 'connected');
      }
      // A fence: Alice types before it, Bob after it.
      await editor(a).type('|');
      await waitSaved(a);
      await b.waitForFunction(() => window.tandemDoc.text === '|', null, { timeout: 10000 * slowFactor });
      await editor(a).press('Home');
      await editor(a).press('Control+Home');
      await editor(b).press('Control+End');
      const aliceText = 'Alice 😀 写字 👍🏽 one two three ';
      const bobText = 'Bob 中文 🎉 tests é four five six ';
      await Promise.all([
        editor(a).pressSequentially(aliceText, { delay: 15 }),
        editor(b).pressSequentially(bobText, { delay: 15 }),
      ]);
      await Promise.all([waitSaved(a), waitSaved(b)]);
      const expected = `${aliceText}|${bobText}`;
      await a.waitForFunction((t) => window.tandemDoc.text === t, expected, { timeout: 10000 * slowFactor });
      await b.waitForFunction((t) => window.tandemDoc.text === t, expected, { timeout: 10000 * slowFactor });
      assert.equal((await readDoc(server, doc)).text, expected);
      assert.equal(await shownText(a), expected);
      assert.equal(await shownText(b), expected);
      // Remote cursors and the user list, both ways.
      await a.locator('[data-testid="remote-cursor"]').first().waitFor({ timeout: 10000 * slowFactor });
      await b.locator('[data-testid="remote-cursor"]').first().waitFor({ timeout: 10000 * slowFactor });
      assert.match(await a.locator('[data-testid="people"]').textContent(), /Bob/);
      assert.match(await b.locator('[data-testid="people"]').textContent(), /Alice/);
      assert.match(await a.locator('[data-testid="remote-cursor"]').first().textContent(), /Bob/);
      await screenshot(a, `converge-${transport}-${editorKind}-alice`);
      await screenshot(b, `converge-${transport}-${editorKind}-bob`);
      // Leaving removes the cursor and the user list entry on the other side, over every
      // transport, long before the server would drop a silent HTTP client.
      await b.goto('about:blank');
      await a.locator('[data-testid="remote-cursor"]').first().waitFor({ state: 'detached', timeout: 10000 * slowFactor });
      await a.waitForFunction(() => !/Bob/.test(document.querySelector('[data-testid="people"]').textContent), null, { timeout: 10000 * slowFactor });
    } finally {
      await alice.close();
      await bob.close();
    }
  });
}
