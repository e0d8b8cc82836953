/**
 * The DWARF reader (debug-adapter/dwarf) against binutils as the oracle: the line table against
 * `objdump --dwarf=decodedline`, the .eh_frame CFI rows against `readelf --debug-dump=frames-interp`, on
 * gcc-built static fixtures (-O0 -g, -O2 -g, DWARF 5 and 4); subprograms, locals and types of .debug_info.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { compile } from './helpers';
import { DebugInfo } from '../../debug-adapter/dwarf/index';
import { DWARF_REG_NAMES, Rule } from '../../debug-adapter/dwarf/cfi';
import { resolveType } from '../../debug-adapter/dwarf/info';

const builds: [string, string[]][] = [
  ['-O0 -g', ['-O0', '-g']],
  ['-O2 -g', ['-O2', '-g']],
  ['-O0 -gdwarf-4', ['-O0', '-gdwarf-4']],
  ['-O2 -gdwarf-4', ['-O2', '-gdwarf-4']],
];

function objdumpLines(elf: string): { line: number; address: number; stmt: boolean }[] {
  const out = execFileSync('objdump', ['--dwarf=decodedline', elf], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const rows: { line: number; address: number; stmt: boolean }[] = [];
  for (const l of out.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)(?:\s+(\d+))?(\s+x)?\s*$/.exec(l);
    if (m) rows.push({ line: +m[2], address: parseInt(m[3], 16), stmt: !!m[5] });
  }
  return rows;
}

for (const [label, flags] of builds) {
  test(`line table matches objdump --dwarf=decodedline (${label})`, () => {
    const elf = compile('locals', flags);
    const d = DebugInfo.fromFile(elf);
    assert.deepEqual(d.errors, []);
    const want = objdumpLines(elf);
    assert.ok(want.length > 10);
    const got = d.stmts.map((e) => ({ line: e.line, address: e.address, stmt: e.isStmt }));
    assert.deepEqual(got, want);
    assert.ok([...d.files].every((f) => path.isAbsolute(f) || f.includes('locals.c')));
    assert.ok([...d.files].some((f) => f.endsWith('test/dap/fixtures/locals.c')));
  });

  test(`.eh_frame rows match readelf --debug-dump=frames-interp (${label})`, () => {
    const elf = compile('locals', flags);
    const d = DebugInfo.fromFile(elf);
    const out = execFileSync('readelf', ['--debug-dump=frames-interp', elf], { encoding: 'utf8', maxBuffer: 1 << 26 });
    let cols: string[] = [];
    let inFde = false;
    let checked = 0;
    const show = (r: Rule | undefined): string => {
      if (!r || r.k === 'undefined') return 'u';
      switch (r.k) {
        case 'offset': return `c${r.n >= 0 ? '+' : ''}${r.n}`;
        case 'val_offset': return `v${r.n >= 0 ? '+' : ''}${r.n}`;
        case 'same': return 's';
        case 'register': return `r${r.r} (${DWARF_REG_NAMES[r.r]})`;
        case 'expr': return 'exp';
        case 'val_expr': return 'vexp';
      }
    };
    for (const l of out.split('\n')) {
      if (/ FDE cie=/.test(l)) inFde = true;
      else if (/ CIE /.test(l)) inFde = false;
      const h = /^\s+LOC\s+CFA\s+(.*)$/.exec(l);
      if (h) {
        cols = h[1].trim().split(/\s+/);
        continue;
      }
      const m = /^([0-9a-f]{16}) (\S+)\s+(.*)$/.exec(l);
      if (!m || !inFde) continue;
      const loc = parseInt(m[1], 16);
      const row = d.cfi!.rowAt(loc);
      assert.ok(row, `row at ${m[1]}`);
      const cfa = row.cfa ? `${DWARF_REG_NAMES[row.cfa.reg]}${row.cfa.off >= 0 ? '+' : ''}${row.cfa.off}` : 'exp';
      assert.equal(cfa, m[2], `CFA at ${m[1]}`);
      const vals = m[3].trim().match(/r\d+ \(\w+\)|\S+/g) ?? [];
      cols.forEach((c, i) => {
        const reg = DWARF_REG_NAMES.indexOf(c);
        if (reg < 0) return;
        assert.equal(show(row.rules.get(reg)), vals[i], `${c} at ${m[1]}`);
      });
      checked++;
    }
    assert.ok(checked > 1000, `checked ${checked} rows`);
  });
}

test('debug_info: subprograms, parameters and locals with fbreg locations and types (-O0 -g)', () => {
  const d = DebugInfo.fromFile(compile('locals', ['-O0', '-g']));
  const info = d.info!;
  const main = info.subprograms.find((s) => s.name === 'main')!;
  assert.equal(main.frameBase, 'cfa');
  assert.equal(main.low, parseInt(execFileSync('nm', [compile('locals', ['-O0', '-g'])], { encoding: 'utf8' }).match(/^([0-9a-f]+) T main$/m)![1], 16));
  const byName = new Map(main.vars.map((v) => [v.name, v]));
  assert.deepEqual([...byName.keys()], ['count', 'values', 'pt', 'pp', 'i']);
  assert.equal(byName.get('count')!.type!.name, 'int');
  assert.equal(byName.get('count')!.loc.k, 'fbreg');
  const values = resolveType(byName.get('values')!.type)!;
  assert.equal(values.kind, 'array');
  assert.equal(values.kind === 'array' && values.dims[0], 5);
  const pt = resolveType(byName.get('pt')!.type)!;
  assert.equal(pt.kind, 'struct');
  if (pt.kind === 'struct') {
    assert.deepEqual(pt.members.map((m) => [m.name, m.offset, m.type.name]), [['x', 0, 'int'], ['y', 8, 'long int'], ['tag', 16, 'char [4]']]);
    assert.equal(pt.size, 24);
  }
  assert.equal(byName.get('pp')!.type!.name, 'point_t *');
  const middle = info.subprograms.find((s) => s.name === 'middle')!;
  assert.deepEqual(middle.vars.map((v) => [v.name, v.param, v.type!.name]), [['p', true, 'const point_t *'], ['k', true, 'int'], ['acc', false, 'int']]);
  // the loop variable lives in a lexical block
  const i = byName.get('i')!;
  assert.ok(i.lo > main.low && i.hi <= main.high);
  assert.equal(info.globals.get('total')!.loc.k, 'addr');
});

test('breakpoint locations: next line with code, past the prologue; -O2 location lists are unsupported, not a crash', () => {
  const d = DebugInfo.fromFile(compile('locals', ['-O0', '-g']));
  const f = d.resolveFile(path.join(__dirname, 'fixtures/locals.c'))!;
  assert.ok(f);
  assert.equal(d.resolveFile('locals.c'), f);
  assert.equal(d.resolveFile('/elsewhere/nothing.c'), null);
  const b21 = d.breakpointLocations(f, 21)!; // comment line
  assert.equal(b21.line, 22);
  assert.equal(b21.addresses.length, 1);
  assert.equal(d.lineAt(b21.addresses[0])!.line, 22);
  const b18 = d.breakpointLocations(f, 18)!; // the function's opening line: after the prologue
  assert.equal(b18.line, 19);
  assert.equal(d.breakpointLocations(f, 1000), null);
  const o2 = DebugInfo.fromFile(compile('locals', ['-O2', '-g']));
  const mid = o2.info!.subprograms.find((s) => s.name === 'middle')!;
  assert.ok(mid.vars.every((v) => v.loc.k !== 'fbreg'));
  // not an ELF / no debug info: empty, no exception
  assert.equal(new DebugInfo(new Uint8Array(10)).hasLines, false);
});
