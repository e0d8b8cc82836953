/**
 * `npm run package`'s vsce command into a temporary directory: the .vsix holds only the bundle, the manifest,
 * README, CHANGELOG, LICENSE and the icon (no node_modules, no sources, no source maps, no dev dependencies),
 * and is at most 3 MB.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The entries of a zip file (central directory), with their uncompressed contents for small ones. */
function unzip(buf: Buffer): Map<string, { size: number; data: () => Buffer }> {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'zip end of central directory');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, { size: number; data: () => Buffer }>();
  for (let i = 0; i < n; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nl = buf.readUInt16LE(p + 28), xl = buf.readUInt16LE(p + 30), cl = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nl);
    out.set(name, {
      size,
      data: () => {
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(start, start + csize);
        return method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
      },
    });
    p += 46 + nl + xl + cl;
  }
  return out;
}

test('npm run package: a .vsix ≤ 3 MB with only the bundle, manifest, docs and icon', { timeout: 90_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-vsix-'));
  const out = path.join(dir, `${pkg.name}-${pkg.version}.vsix`);
  // the same command as the `package` script, with the output redirected
  const script: string = pkg.scripts.package;
  assert.match(script, /^vsce package .*--no-dependencies/);
  const args = script.split(/\s+/).slice(1);
  execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), ...args, '-o', out], { cwd: root, stdio: 'pipe' });
  const buf = fs.readFileSync(out);
  assert.ok(buf.length <= 3 * 1024 * 1024, `vsix is ${buf.length} bytes`);
  const entries = unzip(buf);
  const names = [...entries.keys()].sort();
  assert.deepEqual(names, [
    '[Content_Types].xml', 'extension.vsixmanifest', 'extension/LICENSE.txt', 'extension/changelog.md', 'extension/dist/extension.js',
    'extension/dist/uintr-asm-server.js', 'extension/dist/uintr-test.js', 'extension/media/icon.png', 'extension/package.json', 'extension/readme.md',
    'extension/syntaxes/uintr-asm.language-configuration.json', 'extension/syntaxes/uintr-asm.tmLanguage.json',
  ]);
  assert.ok(!names.some((n) => /node_modules|\.map$|\.ts$/.test(n)));
  const manifest = JSON.parse(entries.get('extension/package.json')!.data().toString('utf8'));
  assert.equal(manifest.main, './dist/extension.js');
  assert.equal(manifest.icon, 'media/icon.png');
  const vsixManifest = entries.get('extension.vsixmanifest')!.data().toString('utf8');
  assert.match(vsixManifest, /<Identity Language="en-US" Id="uintr-debug" Version="0\.1\.0" Publisher="uintr-debug"/);
  assert.match(vsixManifest, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.90\.0"/);
  // the bundle is self-contained: no require of a dev dependency or of anything outside node's built-ins and vscode
  const js = entries.get('extension/dist/extension.js')!.data().toString('utf8');
  const code = js.split('\n').filter((l) => !/^\s*(\*|\/\/)/.test(l)).join('\n'); // not in doc comments
  const requires = new Set([...code.matchAll(/\brequire\("([^"./][^"]*)"\)/g)].map((m) => m[1]));
  const builtin = new Set(require('node:module').builtinModules as string[]);
  for (const r of requires) assert.ok(r === 'vscode' || builtin.has(r.replace(/^node:/, '')), `bundle requires ${r}`);
  assert.ok(requires.has('vscode'), 'vscode stays external');
  assert.ok(js.includes('node_modules/iced-x86/iced_x86_bg.wasm') && !/readFileSync\(path\)/.test(code), 'iced-x86 wasm inlined');
  fs.rmSync(dir, { recursive: true, force: true });
});
