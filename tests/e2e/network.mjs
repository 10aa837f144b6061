// Browser test of the pictures of `netvet network --history`: writes three dated inventories
// and a policy with deadlines, renders the HTML report with the netvet binary, opens it in
// headless Chromium (Debian `chromium`, driven by playwright-core) and checks the drawn
// geometry against the JSON report of the same run: per rule with a deadline, the figure over
// time (one point per date, in date order, higher values drawn higher), the deadline line after
// the points, the projection ending on the target line (before the deadline when on track, none
// without progress), and the vendor shares per domain as bars whose widths are the shares.
// Exits non-zero when a check fails.
//
//   cd tests/e2e && npm install && NETVET_BIN=/path/to/netvet node network.mjs

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.NETVET_BIN
  || join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'debug', 'netvet');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

let failures = 0;
function check(cond, what) {
  if (!cond) {
    failures += 1;
    console.error(`not ok - ${what}`);
  } else {
    console.log(`ok - ${what}`);
  }
}

const HEADER = 'site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n';
// core: 10 AMFs, the last `hCore` Vendor A's (high risk; fewer each quarter, same ids);
// RAN: 20 gNBs, 12 Vendor A's at every date (no progress on the share cap)
function inventory(hCore) {
  let s = HEADER;
  for (let i = 0; i < 10; i++) {
    const v = i >= 10 - hCore ? 'Vendor A' : 'Vendor B';
    s += `dc-1,amf-${i},AMF,,${v},core,1.0,\n`;
  }
  for (let i = 0; i < 20; i++) {
    const v = i < 12 ? 'Vendor A' : (i % 2 ? 'Vendor B' : 'Vendor C');
    s += `r-${i % 4},gnb-${i},gNB,,${v},radio,2.0,\n`;
  }
  return s;
}

const work = mkdtempSync(join(tmpdir(), 'netvet-e2e-network-'));
let browser;
try {
  const hist = join(work, 'history');
  mkdirSync(hist);
  writeFileSync(join(hist, '2025-01-01.csv'), inventory(8));
  writeFileSync(join(hist, '2025-07-01.csv'), inventory(6));
  writeFileSync(join(work, 'now.csv'), inventory(4));
  writeFileSync(join(work, 'policy.toml'), [
    'as_of = "2026-01-01"',
    '[vendors]', '"Vendor A" = "high"', '"Vendor B" = "low"', '"Vendor C" = "low"',
    '[rules]', 'forbid = { high = ["core"] }', 'max_share = { high = { ran = 0.35 } }',
    '[rules.deadline]', 'forbid = "2027-12-31"', 'max_share = "2026-12-31"', '',
  ].join('\n'));
  const args = [
    'network', join(work, 'now.csv'), '--policy', join(work, 'policy.toml'),
    '--history', hist,
  ];
  const run = (extra) => {
    const r = spawnSync(bin, [...args, ...extra], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`netvet failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const report = JSON.parse(run(['--format', 'json']));
  const htmlPath = join(work, 'report.html');
  run(['--format', 'html', '-o', htmlPath]);
  check(report.progress.length === 2, `two progress entries (${report.progress.length})`);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(pathToFileURL(htmlPath).href);

  for (const p of report.progress) {
    const sel = `svg.progress[data-rule="${p.rule}"][data-domain="${p.domain}"][data-vendor="${p.vendor}"]`;
    const g = await page.evaluate((sel) => {
      const svg = document.querySelector(sel);
      if (!svg) return null;
      const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
      const pts = [...svg.querySelectorAll('circle.point')].map((c) => ({
        date: c.dataset.date, value: Number(c.dataset.value), ...box(c) }));
      const line = (cls) => {
        const el = svg.querySelector(`line.${cls}`);
        if (!el) return null;
        const ctm = el.getScreenCTM();
        const pt = (x, y) => { const q = new DOMPoint(x, y).matrixTransform(ctm); return { x: q.x, y: q.y }; };
        return { date: el.dataset.date,
          a: pt(el.x1.baseVal.value, el.y1.baseVal.value),
          b: pt(el.x2.baseVal.value, el.y2.baseVal.value) };
      };
      return { svg: box(svg), onTrack: svg.dataset.onTrack, pts,
        deadline: line('deadline'), target: line('target'), projection: line('projection') };
    }, sel);
    const name = `${p.rule} ${p.domain} ${p.vendor}`;
    check(g !== null, `${name}: chart drawn`);
    if (!g) continue;
    check(g.svg.w > 300 && g.svg.h > 100, `${name}: chart is visible (${g.svg.w}x${g.svg.h})`);
    check(g.pts.length === p.series.length, `${name}: one point per date (${g.pts.length})`);
    check(g.pts.every((q, i) => q.date === p.series[i].date && q.value === p.series[i].value),
      `${name}: points carry the JSON figures`);
    const cx = g.pts.map((q) => q.x + q.w / 2);
    const cy = g.pts.map((q) => q.y + q.h / 2);
    check(cx.every((x, i) => i === 0 || x > cx[i - 1]), `${name}: points in date order left to right`);
    const vals = p.series.map((s) => s.value);
    check(vals.every((v, i) => i === 0 || (v < vals[i - 1]) === (cy[i] > cy[i - 1])
      || v === vals[i - 1]), `${name}: a higher figure is drawn higher`);
    check(g.deadline && g.deadline.date === p.deadline, `${name}: deadline line at ${p.deadline}`);
    check(g.deadline && g.deadline.a.x > cx[cx.length - 1],
      `${name}: deadline to the right of the current figure`);
    check(g.target !== null, `${name}: target line drawn`);
    check(g.onTrack === String(p.on_track), `${name}: on-track flag ${p.on_track}`);
    if (p.projected && !p.holds) {
      check(g.projection && g.projection.date === p.projected, `${name}: projection to ${p.projected}`);
      if (g.projection) {
        check(Math.abs(g.projection.a.x - cx[cx.length - 1]) < 1.5
          && Math.abs(g.projection.a.y - cy[cy.length - 1]) < 1.5,
          `${name}: projection starts at the current figure`);
        check(Math.abs(g.projection.b.y - g.target.a.y) < 1.5,
          `${name}: projection ends on the target line`);
        check((g.projection.b.x <= g.deadline.a.x + 0.5) === p.on_track,
          `${name}: projection ends ${p.on_track ? 'before' : 'after'} the deadline`);
      }
    } else {
      check(g.projection === null, `${name}: no projection without progress`);
    }
  }
  const forbid = report.progress.find((p) => p.rule === 'forbid');
  check(forbid && forbid.on_track && forbid.projected === '2027-01-02',
    `forbid projected 2027-01-02 and on track (${forbid && forbid.projected})`);
  const cap = report.progress.find((p) => p.rule === 'max_share');
  check(cap && !cap.on_track && cap.projected === null, 'max_share: no progress, not on track');

  // shares per domain: stacked bars whose widths are the JSON shares
  const bars = await page.evaluate(() => {
    const svg = document.querySelector('svg.shares');
    return [...svg.querySelectorAll('rect.share')].map((r) => ({
      domain: r.dataset.domain, vendor: r.dataset.vendor, share: Number(r.dataset.share),
      w: r.getBoundingClientRect().width, x: r.getBoundingClientRect().x }));
  });
  for (const d of report.domains) {
    const row = bars.filter((b) => b.domain === d.domain);
    check(row.length === d.vendors.length, `${d.domain}: one bar per vendor (${row.length})`);
    const total = row.reduce((s, b) => s + b.w, 0);
    for (const v of d.vendors) {
      const b = row.find((x) => x.vendor === v.vendor);
      check(b && Math.abs(b.w / total - v.share) < 0.005,
        `${d.domain}: ${v.vendor} bar is ${(v.share * 100).toFixed(1)} % of the row`);
    }
    check(row.every((b, i) => i === 0 || Math.abs(b.x - (row[i - 1].x + row[i - 1].w)) < 0.6),
      `${d.domain}: bars stacked without gaps`);
  }
  const overTime = await page.evaluate(() => [...document.querySelectorAll('svg.shares-over-time')]
    .map((s) => ({ domain: s.dataset.domain, dates: [...s.querySelectorAll('g.date')].map((g) => g.dataset.date) })));
  check(overTime.length === 2 && overTime.every((o) => o.dates.join() === '2025-01-01,2025-07-01,2026-01-01'),
    `shares over time: a bar per date for core and ran (${JSON.stringify(overTime)})`);
  const coreA = report.history.shares.map((s) => s.domains.core.find((v) => v.vendor === 'Vendor A').share);
  check(coreA.join() === '0.8,0.6,0.4', `Vendor A's core share per date: ${coreA.join()}`);
  const widths = await page.evaluate(() => [...document.querySelectorAll(
    'svg.shares-over-time[data-domain="core"] rect.share[data-vendor="Vendor A"]')]
    .map((r) => r.getBoundingClientRect().width));
  check(widths.length === 3 && widths[0] > widths[1] && widths[1] > widths[2]
    && Math.abs(widths[0] / widths[2] - 2) < 0.01, `Vendor A's core bar shrinks 0.8 → 0.6 → 0.4 (${widths.map((w) => w.toFixed(1))})`);
} catch (e) {
  console.error(e);
  failures += 1;
} finally {
  if (browser) await browser.close();
  rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`e2e network: ${failures} check(s) failed`);
  process.exit(1);
}
console.log('e2e network: all checks passed');
