// Two Chromium pages, each on its own node (the page, its WebSocket or its polls and POSTs all
// go straight to that node), type into one document over WebSocket and over long-poll: each
// sees the other's text and cursor, and the store has both texts (issue 17).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { editor, launchBrowser, openEditor, screenshot, shownText, slowFactor, waitSaved, webDir } from '../browser/browser_support.mjs';

describe('cluster: two browsers on two nodes', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  let browser;
  before(async () => {
    cluster = await Cluster.start({ nginx: false, staticDir: webDir, nodes: 2, nodeArgs: ['--downlink-grace', '120s'] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  for (const transport of ['websocket', 'poll']) {
    test(`pages on node 0 and node 1 see each other's text and cursor over ${transport}`, async () => {
      const doc = `two-nodes-${transport}`;
      const alice = await browser.newContext();
      const bob = await browser.newContext();
      try {
        const a = (await openEditor(alice, { url: cluster.nodeUrl(0) }, doc, `?transport=${transport}&name=Alice`)).page;
        const b = (await openEditor(bob, { url: cluster.nodeUrl(1) }, doc, `?transport=${transport}&name=Bob`)).page;
        for (const page of [a, b]) {
          assert.equal(await page.locator('[data-testid="transport"]').textContent(), transport);
        }
        // A fence: Alice types before it, Bob after it.
        await editor(a).type('|');
        await waitSaved(a);
        await b.waitForFunction(() => window.tandemDoc.text === '|', null, { timeout: 20000 * slowFactor });
        await editor(a).press('Control+Home');
        await editor(b).press('Control+End');
        const aliceText = 'Alice on node 0 😀 写字 ';
        const bobText = 'Bob on node 1 中文 🎉 ';
        await Promise.all([
          editor(a).pressSequentially(aliceText, { delay: 20 }),
          editor(b).pressSequentially(bobText, { delay: 20 }),
        ]);
        await Promise.all([waitSaved(a), waitSaved(b)]);
        const expected = `${aliceText}|${bobText}`;
        await a.waitForFunction((t) => window.tandemDoc.text === t, expected, { timeout: 20000 * slowFactor });
        await b.waitForFunction((t) => window.tandemDoc.text === t, expected, { timeout: 20000 * slowFactor });
        assert.equal(await shownText(a), expected);
        assert.equal(await shownText(b), expected);
        for (let i = 0; i < 2; i++) assert.equal((await cluster.readDoc(doc, i)).text, expected);
        // Each sees the other's cursor and name, across nodes.
        await a.locator('[data-testid="remote-cursor"]').first().waitFor({ timeout: 20000 * slowFactor });
        await b.locator('[data-testid="remote-cursor"]').first().waitFor({ timeout: 20000 * slowFactor });
        assert.match(await a.locator('[data-testid="remote-cursor"]').first().textContent(), /Bob/);
        assert.match(await b.locator('[data-testid="remote-cursor"]').first().textContent(), /Alice/);
        await screenshot(a, `cluster-${transport}-alice`);
        await screenshot(b, `cluster-${transport}-bob`);
      } finally {
        await alice.close();
        await bob.close();
      }
    });
  }
});
