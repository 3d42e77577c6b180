// The server is killed (SIGKILL) and restarted while someone types: nothing confirmed is lost,
// nothing typed during the outage is lost, and the page recovers by itself (no reload).
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeTempDir } from '../support/tandem_process.mjs';
import { editor, shownText, launchBrowser, openEditor, readDoc, screenshot, slowFactor, startServer, waitSaved, sleep } from './browser_support.mjs';

const browser = await launchBrowser();
test.after(() => browser.close());

for (const transport of ['websocket', 'poll']) {
  test(`kill -9 and restart mid-typing over ${transport}: nothing lost, recovers without reload`, async () => {
    const dataDir = makeTempDir();
    let server = await startServer({ dataDir });
    const context = await browser.newContext();
    try {
      const { page } = await openEditor(context, server, 'restart', `?transport=${transport}`);
      await page.evaluate(() => { window.notReloaded = true; });
      await editor(page).pressSequentially('before the crash. ');
      await waitSaved(page);
      const typed = 'typing through a server crash 😀 and a restart 中文 without losing a thing.';
      const typing = editor(page).pressSequentially(typed, { delay: 25 });
      await sleep(400);
      const confirmedBefore = (await readDoc(server, 'restart')).text;
      server.signal('SIGKILL');
      await server.exited;
      await page.waitForFunction(() => window.tandem.status.state !== 'connected', null, { timeout: 20000 * slowFactor });
      await screenshot(page, `restart-${transport}-down`);
      await sleep(500);
      server = await startServer({ dataDir, listen: `${server.host}:${server.port}` });
      await typing;
      await waitSaved(page, 60000 * slowFactor);
      await page.waitForFunction(() => window.tandem.status.state === 'connected', null, { timeout: 20000 * slowFactor });
      const expected = `before the crash. ${typed}`;
      const stored = (await readDoc(server, 'restart')).text;
      assert.ok(stored.startsWith(confirmedBefore), 'what was confirmed before the crash survived it');
      assert.equal(stored, expected);
      assert.equal(await shownText(page), expected);
      assert.equal(await page.evaluate(() => window.notReloaded), true);
      assert.ok(await page.evaluate(() => window.tandem.diagnostics().reconnects) >= 1);
      await screenshot(page, `restart-${transport}-recovered`);
    } finally {
      await context.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
