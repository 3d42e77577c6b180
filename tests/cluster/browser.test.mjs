// Two Chromium pages, each on its own node (the page, its WebSocket or its polls and POSTs all
// go straight to that node), type into one document over WebSocket and over long-poll: each
// sees the other's text and cursor, and the store has both texts (issue 17). And a page behind
// nginx (deploy/cluster/nginx.conf) keeps typing while every node in turn is killed and
// restarted: it moves to the others by itself and nothing typed is lost.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { editor, launchBrowser, openEditor, screenshot, shownText, sleep, slowFactor, waitSaved, webDir } from '../browser/browser_support.mjs';

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

describe('cluster: a browser behind nginx while nodes die', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  let browser;
  before(async () => {
    cluster = await Cluster.start({ staticDir: webDir });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  for (const transport of ['websocket', 'poll']) {
    test(`kill -9 of each node in turn while typing over ${transport} through nginx: nothing lost, no reload`, async () => {
      const doc = `failover-${transport}`;
      const context = await browser.newContext();
      try {
        const { page } = await openEditor(context, { url: cluster.url }, doc, `?transport=${transport}`);
        await page.evaluate(() => { window.notReloaded = true; });
        await editor(page).pressSequentially('before. ');
        await waitSaved(page);
        const typed = 'typing while every node dies once 😀 中文, and nothing is lost at all. ';
        const typing = editor(page).pressSequentially(typed, { delay: 40 });
        for (let i = 0; i < cluster.nodes.length; i++) {
          await sleep(400);
          await cluster.killNode(i);
          await sleep(300);
          await cluster.restartNode(i);
        }
        await typing;
        await waitSaved(page, 60000 * slowFactor);
        const expected = `before. ${typed}`;
        for (let i = 0; i < cluster.nodes.length; i++) {
          await cluster.waitReady(i);
        }
        assert.equal((await cluster.readDoc(doc)).text, expected);
        assert.equal(await shownText(page), expected);
        assert.equal(await page.evaluate(() => window.notReloaded), true);
        if (transport === 'websocket') {
          // Its node died under it: it reconnected (through nginx, to a live node).
          assert.ok(await page.evaluate(() => window.tandem.diagnostics().reconnects) >= 1);
        }
        await screenshot(page, `cluster-failover-${transport}`);
      } finally {
        await context.close();
      }
    });
  }
});
