// End-to-end test of the netvet web UI in headless Chromium (Debian `chromium`, driven by
// playwright-core). Starts `netvet serve` on a free loopback port with a fresh data directory,
// then, as a vendor: signs in, uploads a real firmware image, waits for the scan, opens the
// report and checks the verdict against the API; downloads the signed attestation from the
// report page and verifies it here (DSSE PAE, Ed25519 with the served lab key, node:crypto);
// checks that a second vendor gets a 404 for
// that report; runs a release diff between two uploads; as an operator runs a network
// assessment.
//
//   cd tests/e2e && npm install && NETVET_BIN=/path/to/netvet node ui.mjs
//
// NETVET_BIN defaults to $CARGO_TARGET_DIR/debug/netvet (or target/debug/netvet), CHROMIUM to
// /usr/bin/chromium, NETVET_CORPUS to ../shared/corpus next to the repository.

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.NETVET_BIN
  || join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'debug', 'netvet');
const corpus = process.env.NETVET_CORPUS || resolve(repo, '../shared/corpus');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const IMG1 = join(corpus, 'formats/squashfs.bin');
const IMG2 = join(corpus, 'formats/cramfs.bin');

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

const data = mkdtempSync(join(tmpdir(), 'netvet-e2e-'));
const token = (org, role) =>
  execFileSync(bin, ['serve', '--data', data, '--create-token', org, role]).toString().trim();

let server;
let browser;
try {
  const vendor = token('E2E Vendor', 'vendor');
  const other = token('Other Vendor', 'vendor');
  const operator = token('E2E Operator', 'operator');
  check(/^nv_[0-9a-f]{64}$/.test(vendor), 'create-token prints an nv_ token');

  server = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', data], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const base = await new Promise((ok, fail) => {
    let err = '';
    const t = setTimeout(() => fail(new Error(`server did not start: ${err}`)), 60000);
    server.stderr.on('data', (d) => {
      err += d;
      // the whole line: a stderr chunk can end in the middle of the address
      const m = /serving on (http:\/\/[0-9.:]+)\n/.exec(err);
      if (m) { clearTimeout(t); ok(m[1]); }
    });
    server.on('exit', (c) => fail(new Error(`server exited ${c}: ${err}`)));
  });

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox'] });

  async function signIn(tok) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(base + '/');
    await page.fill('input[name=token]', tok);
    await Promise.all([page.waitForURL(base + '/'), page.click('#login')]);
    return { ctx, page };
  }

  // Wait until a job page shows its result; a failed job is a failed check, with its error.
  async function waitForJob(page, id) {
    await page.waitForSelector('#verdict, .failed', { timeout: 300000 });
    const failed = await page.$('.failed');
    check(failed === null,
      `job ${id} finished without failing${failed ? ': ' + (await failed.textContent()) : ''}`);
  }

  async function uploadAndWait(page, file) {
    await page.goto(base + '/');
    await page.setInputFiles('#file', file);
    await Promise.all([page.waitForURL(/\/ui\/jobs\/[0-9a-f]{32}$/), page.click('#upload')]);
    const id = page.url().split('/').pop();
    // the page reloads itself every second until the scan is done; a failed job fails the test
    await waitForJob(page, id);
    return id;
  }

  // vendor: upload, wait, report
  const { page } = await signIn(vendor);
  check((await page.textContent('#org')) === 'E2E Vendor', 'signed in as the vendor');
  const id1 = await uploadAndWait(page, IMG1);
  const verdict = (await page.textContent('#verdict')).trim();
  const api = await (await page.request.get(`${base}/api/scans/${id1}`)).json();
  check(api.state === 'done', `scan ${id1} done`);
  const sha1 = createHash('sha256').update(readFileSync(IMG1)).digest('hex');
  check((await page.textContent('#image')) === 'squashfs.bin', 'report page names the image');
  const rep = await (await page.request.get(`${base}/api/scans/${id1}/report?format=json`)).json();
  check(rep.image.sha256 === sha1, 'JSON report of the uploaded image');
  // the service runs the certify stage: every finished scan has a verdict
  check(rep.verdict && ['pass', 'conditional', 'fail'].includes(rep.verdict.result),
    `JSON report carries a verdict: ${JSON.stringify(rep.verdict && rep.verdict.result)}`);
  check(verdict === rep.verdict.result, `report page verdict ${verdict} equals the JSON report verdict`);
  check(verdict === api.verdict, 'report page verdict equals the API verdict');
  check(rep.unpack.files > 0, `the scan unpacked files (${rep.unpack.files})`);
  const hasFrame = await page.$('#report');
  const hasTable = await page.$('#findings');
  check(hasFrame !== null || hasTable !== null, 'report page shows the HTML report or the findings');

  // certification: the report page's download link gives the signed attestation, which
  // verifies with the served lab key (an independent DSSE check: PAE + Ed25519 in node)
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#attestation')]);
  check(dl.suggestedFilename() === 'squashfs.bin.intoto.json', 'attestation download named after the image');
  const env = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  check(env.payloadType === 'application/vnd.in-toto+json' && env.signatures.length === 1,
    'attestation is a DSSE envelope with one signature');
  const body = Buffer.from(env.payload, 'base64');
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(env.payloadType)} ${env.payloadType} ${body.length} `),
    body,
  ]);
  const labPub = await (await page.request.get(`${base}/api/lab-key.pub`)).text();
  check(cryptoVerify(null, pae, labPub, Buffer.from(env.signatures[0].sig, 'base64')),
    'attestation signature verifies with the lab key');
  const st = JSON.parse(body.toString('utf8'));
  check(st.subject[0].digest.sha256 === sha1, 'attestation subject is the uploaded image');
  check(st.predicate.verdict === verdict, 'attested verdict equals the report page verdict');
  await page.goto(base + '/');
  check((await page.textContent('#jobs')).includes('squashfs.bin'), 'submission listed with its state');

  // another vendor: the same URLs are 404
  const o = await signIn(other);
  const denied = await o.page.goto(`${base}/ui/jobs/${id1}`);
  check(denied.status() === 404, "another vendor gets 404 for the vendor's report page");
  const deniedApi = await o.page.request.get(`${base}/api/scans/${id1}/report`);
  check(deniedApi.status() === 404, "another vendor gets 404 for the vendor's report");
  check(!(await (await o.page.goto(base + '/')).text()).includes('squashfs.bin'),
    "another vendor's list does not show the submission");

  // release diff between two uploads
  await uploadAndWait(page, IMG2);
  const sha2 = createHash('sha256').update(readFileSync(IMG2)).digest('hex');
  await page.goto(base + '/ui/diff');
  await page.selectOption('#old', sha1);
  await page.selectOption('#new', sha2);
  await Promise.all([page.waitForURL(/\/ui\/jobs\//), page.click('#go')]);
  await waitForJob(page, 'diff');
  const diff = JSON.parse(await page.textContent('#result'));
  check(diff.old && diff.new && diff.files, 'release diff result shown');
  check(diff.files.added + diff.files.removed + diff.files.changed > 0,
    `the diff of two different images names changed files (${JSON.stringify(diff.files)})`);

  // operator: network assessment page
  const op = await signIn(operator);
  await op.page.goto(base + '/ui/network');
  await op.page.fill('#inv',
    'site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n'
    + `S1,R1,router,core,E2E Vendor,R,1.0,${sha1}\n`);
  await op.page.fill('#pol', '[vendors]\n');
  await Promise.all([op.page.waitForURL(/\/ui\/jobs\//), op.page.click('#assess')]);
  await waitForJob(op.page, 'network');
  const netState = await op.page.textContent('h1');
  check(/network result/.test(netState), `network assessment page answered: ${netState}`);
  const net = JSON.parse(await op.page.textContent('#result'));
  check(net.inventory && net.inventory.elements === 1,
    `network assessment counted the one element (${JSON.stringify(net.inventory)})`);
  console.log('e2e: all checks passed');
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGINT');
  rmSync(data, { recursive: true, force: true });
}
