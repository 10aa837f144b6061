// The scan report's HTML in headless Chromium (Debian `chromium`, driven by playwright-core):
// scans a corpus root file system with `netvet scan --format html`, opens the page and checks
// that it loads without console messages, that its sections come in the report's order
// (executive summary, findings by risk, requirements, appendices), that the hardening matrix
// draws bad cells red and good cells green, and that the print layout (what `--format pdf`
// prints) starts every appendix on a new page, repeats table headers and drops the screen
// colours of the header. Prints a PDF through the browser and checks its page count.
//
//   cd tests/e2e && npm install && NETVET_BIN=/path/to/netvet node report.mjs
//
// NETVET_REPORT_SCREENSHOTS=DIR also writes one PNG per section (docs/report-*.png are made
// this way).

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.NETVET_BIN
  || join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'debug', 'netvet');
const corpus = process.env.NETVET_CORPUS || resolve(repo, '../shared/corpus');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const TREE = join(corpus, 'rootfs/luxul-xbr4400/squashfs-root');
const shots = process.env.NETVET_REPORT_SCREENSHOTS;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

const work = mkdtempSync(join(tmpdir(), 'netvet-e2e-report-'));
let browser;
try {
  const page_file = join(work, 'report.html');
  // exit 1 is the fail verdict of a real image; 2 would be an error
  const scan = spawnSync(bin, ['scan', '--quiet', '--policy', 'regimes', '--format', 'html', '-o', page_file, TREE],
    { env: { ...process.env, NETVET_VULNDB: 'none' }, stdio: ['ignore', 'ignore', 'inherit'] });
  check(scan.status === 0 || scan.status === 1, `netvet scan --format html ran (exit ${scan.status})`);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  const console_msgs = [];
  page.on('console', (m) => console_msgs.push(m.text()));
  page.on('pageerror', (e) => console_msgs.push(String(e)));
  await page.goto('file://' + page_file);
  check(console_msgs.length === 0, `no console messages (${console_msgs.join(' | ')})`);
  check((await page.$$('script')).length === 0, 'no script element');

  const ids = ['summary', 'top-risks', 'changes', 'findings', 'requirements',
    'appendix-hardening', 'components', 'unpack', 'all-findings'];
  const tops = [];
  for (const id of ids) {
    const el = await page.$('#' + id);
    check(el !== null, `section #${id} present`);
    tops.push((await el.boundingBox()).y);
  }
  check(tops.every((y, i) => i === 0 || y > tops[i - 1]), 'sections in the report order');

  const count = Number(await page.getAttribute('#finding-count', 'data-count'));
  const all = (await page.$$('tr.finding-all')).length;
  check(count > 0 && all === count, `every finding in the appendix (${all} of ${count})`);
  const shown = (await page.$$('#findings tr.finding')).length;
  check(shown < count, `the risk section folds bulk kinds (${shown} rows for ${count} findings)`);
  check((await page.$$('#findings p.remediation')).length > 0, 'remediation lines per kind');

  const rows = (await page.$$('#hardening-matrix tr.binary')).length;
  check(rows > 100, `hardening matrix has a row per binary (${rows})`);
  const colour = (sel) => page.$eval(sel, (e) => getComputedStyle(e).color);
  check(await colour('#hardening-matrix td.bad') === 'rgb(183, 28, 28)', 'bad matrix cells are red');
  if (await page.$('#hardening-matrix td.good')) {
    check(await colour('#hardening-matrix td.good') === 'rgb(27, 94, 32)', 'good matrix cells are green');
  }
  const badTexts = await page.$$eval('#hardening-matrix td.bad', (t) => [...new Set(t.map((e) => e.textContent))]);
  check(badTexts.every((t) => ['No RELRO', 'No canary found', 'NX disabled', 'No PIE', 'No FORTIFY', 'RPATH'].includes(t)),
    `only missing protections are bad cells (${badTexts.join(', ')})`);
  const chart = await page.$eval('#hardening-chart', (e) => e.textContent);
  check(!/stripped|kernel|libraries|mips|architecture/.test(chart), 'the protection chart holds properties only');
  check((await page.$$('#hardening-chart rect.bad')).length > 0, 'missing protections are red segments');
  check((await page.$$('#requirements td.examined')).length > 0, 'requirements say what they examined');

  if (shots) {
    for (const id of ['summary', 'findings', 'requirements', 'appendix-hardening', 'components', 'unpack']) {
      const box = await (await page.$('#' + id)).boundingBox();
      await page.screenshot({
        path: join(shots, `report-${id}.png`), fullPage: true,
        clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 900) },
      });
    }
  }

  // print layout: what --format pdf prints
  await page.emulateMedia({ media: 'print' });
  const style = (sel, prop) => page.$eval(sel, (e, p) => getComputedStyle(e)[p], prop);
  for (const id of ['appendix-hardening', 'components', 'unpack', 'all-findings']) {
    check(await style('#' + id, 'breakBefore') === 'page', `print: #${id} starts a new page`);
  }
  check(await style('#summary', 'breakBefore') !== 'page', 'print: the summary follows the header');
  check(await style('header', 'backgroundColor') === 'rgb(255, 255, 255)', 'print: no dark header');
  check(await style('#all-findings thead', 'display') === 'table-header-group', 'print: table headers repeat');
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  const pages = (pdf.toString('latin1').match(/\/Type \/Page\b/g) || []).length;
  check(pdf.subarray(0, 5).toString() === '%PDF-' && pages > 2, `printed to PDF (${pages} pages)`);
  console.log('report e2e: all checks passed');
} finally {
  if (browser) await browser.close();
  rmSync(work, { recursive: true, force: true });
}
