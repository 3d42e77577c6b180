// Offline editing: what is typed offline is kept (IndexedDB outbox), survives a reload, and is
// applied exactly once when the browser is back online, even when the server had already
// applied an op whose confirmation never reached the page.
import test from 'node:test';
import assert from 'node:assert/strict';
import { editor, shownText, launchBrowser, openEditor, readDoc, screenshot, slowFactor, startServer, waitSaved, sleep } from './browser_support.mjs';

const server = await startServer();
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });

const state = (page) => page.locator('[data-testid="status"]').getAttribute('data-state');

test('typing offline is kept and sent once back online', async () => {
  const context = await browser.newContext();
  try {
    const { page } = await openEditor(context, server, 'offline-ws');
    await editor(page).pressSequentially('base ');
    await waitSaved(page);
    await context.setOffline(true);
    await page.waitForFunction(() => window.tandem.status.state === 'offline', null, { timeout: 10000 * slowFactor });
    await editor(page).pressSequentially('typed offline 😀 中文');
    assert.equal(await state(page), 'offline');
    assert.match(await page.locator('[data-testid="status"]').textContent(), /Offline — changes saved locally/);
    assert.equal(await page.locator('[data-testid="saved"]').textContent(), 'saving…');
    await screenshot(page, 'offline-banner');
    assert.equal((await readDoc(server, 'offline-ws')).text, 'base ');
    await context.setOffline(false);
    await waitSaved(page);
    assert.equal((await readDoc(server, 'offline-ws')).text, 'base typed offline 😀 中文');
    assert.equal(await page.locator('[data-testid="saved"]').textContent(), 'saved');
  } finally { await context.close(); }
});

test('an op applied by the server but never confirmed, then a reload: resubmitted exactly once', async () => {
  const context = await browser.newContext();
  let blocked = false;
  let armed = false;  // block from the next op submit on
  // Every protocol request goes to the real server; while `blocked`, its answer never reaches
  // the page (the server may have acted on it: that is the point).
  await context.route('**/v1/**', async (route) => {
    let response;
    if (armed && route.request().method() === 'POST' && route.request().postData()?.includes('"t":"op"')) blocked = true;
    if (process.env.DEBUG_ROUTE) console.log('route', blocked, route.request().method(), route.request().url().slice(-60), route.request().postData()?.slice(0, 100));
    try { response = await route.fetch({ timeout: 0 }); } catch { return route.abort().catch(() => {}); }
    if (blocked) return route.abort().catch(() => {});
    return route.fulfill({ response }).catch(() => {});
  });
  try {
    let { page } = await openEditor(context, server, 'outbox-once', '?transport=poll');
    await editor(page).pressSequentially('base ');
    await waitSaved(page);
    armed = true;
    await editor(page).pressSequentially('XYZ');
    // The server applied the op in flight ("X"; "YZ" wait in the buffer); the page never heard back.
    const deadline = Date.now() + 10000 * slowFactor;
    while ((await readDoc(server, 'outbox-once')).text !== 'base X') {
      assert.ok(Date.now() < deadline, 'the op reached the server');
      await sleep(50);
    }
    assert.equal(await page.evaluate(() => window.tandemDoc.saved), false);
    const clientId = await page.evaluate(() => window.tandem.clientId);
    await sleep(300);  // the outbox write is asynchronous
    await page.reload();
    await page.waitForSelector('[data-testid="editor"]:not([readonly])', { timeout: 15000 * slowFactor });
    // The reloaded page took over the client id, so its op in flight keeps its (client, seq).
    assert.equal(await page.evaluate(() => window.tandem.clientId), clientId);
    // Restored from IndexedDB before any answer from the server.
    assert.equal(await page.evaluate(() => window.tandemDoc.text), 'base XYZ');
    assert.equal(await page.evaluate(() => window.tandemDoc.saved), false);
    assert.equal(await shownText(page), 'base XYZ');
    armed = false;
    blocked = false;
    await page.evaluate(() => window.tandem.reconnectNow());
    await waitSaved(page, 40000 * slowFactor);
    assert.equal((await readDoc(server, 'outbox-once')).text, 'base XYZ');
    // And it goes on normally.
    await editor(page).press('End');
    await editor(page).pressSequentially('!');
    await waitSaved(page);
    assert.equal((await readDoc(server, 'outbox-once')).text, 'base XYZ!');
  } finally { await context.close(); }
});
