// Time from page load to an editable, synced document through every cell of the proxy matrix
// (issue 7's speed targets), one cell at a time on an otherwise idle server: the matrix run
// records the same figure while eighteen cells run at once, which measures the machine too.
//
//   make build && node bench/proxies/time_to_editable.mjs [--runs 7] [CELL...]
//
// Prints one Markdown row per cell: the transport, the median and max over fresh browser
// contexts (no remembered verdict, no cache), and the target.
import os from 'node:os';
import { CELLS, startCell } from '../../tests/e2e/proxies/cells.mjs';
import { EXPECTED } from '../../tests/e2e/proxies/expectations.mjs';
import { launchBrowser } from '../../tests/browser/browser_support.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 7;
const names = args.length > 0 ? args : Object.keys(CELLS);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await launchBrowser();
console.log(`nproc ${os.availableParallelism()}, load average ${os.loadavg()[0].toFixed(2)}, ${runs} loads per cell`);
console.log('| cell | transport | page load to editable: median / max | target |');
console.log('| --- | --- | --- | --- |');
try {
  for (const name of names) {
    const cell = await startCell(name);
    try {
      const figures = [];
      const transports = new Set();
      for (let i = 0; i <= runs; i++) {
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        try {
          const page = await context.newPage();
          await page.goto(`${cell.url}/d/editable-${i}`);
          await page.waitForSelector('[data-testid="editor"]:not([readonly])', { timeout: 20000 });
          // The first load warms the server and the proxy; it is not counted.
          if (i > 0) figures.push(await page.evaluate(() => window.tandemEditableMs));
          transports.add(await page.evaluate(() => window.tandem.status.transport));
        } finally {
          await context.close();
        }
      }
      console.log(`| ${name} | ${[...transports].join(', ')} | ${Math.round(median(figures))} / ${Math.round(Math.max(...figures))} ms | ${EXPECTED[name]?.editableMs ?? '—'} ms |`);
    } finally {
      await cell.stop();
    }
  }
} finally {
  await browser.close();
}
