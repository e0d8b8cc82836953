/**
 * `.debug_line` (DWARF 2-5): the line-number program of every unit, run through the state machine into rows.
 * DWARF 5 (gcc 12) file tables use entry formats (DW_LNCT_path / directory_index / md5...) with strings in
 * `.debug_line_str` or `.debug_str`; DWARF 2-4 use the include_directories / file_names lists.
 */
import { Reader, DwarfError, strAt, forEachUnit } from './elf-sections';

export interface LineRow {
  address: number;
  /** Index into the table's `files`. */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
}

export interface LineTable {
  /** Offset of this unit in .debug_line. */
  offset: number;
  version: number;
  /** Full paths (directory joined), indexed by the file numbers the rows use. */
  files: string[];
  rows: LineRow[];
}

const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;
const DW_FORM_string = 0x08, DW_FORM_line_strp = 0x1f, DW_FORM_strp = 0x0e, DW_FORM_udata = 0x0f, DW_FORM_data1 = 0x0b, DW_FORM_data2 = 0x05, DW_FORM_data4 = 0x06, DW_FORM_data8 = 0x07, DW_FORM_data16 = 0x1e, DW_FORM_block = 0x09, DW_FORM_strx = 0x1a, DW_FORM_strx1 = 0x25, DW_FORM_strx2 = 0x26, DW_FORM_strx3 = 0x27, DW_FORM_strx4 = 0x28;

function join(dir: string, file: string): string {
  if (file.startsWith('/') || !dir) return file;
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}

/** Parse every unit of a .debug_line section. Units that cannot be parsed are skipped. */
export function parseDebugLine(sec: Uint8Array, lineStr?: Uint8Array, str?: Uint8Array): LineTable[] {
  const out: LineTable[] = [];
  forEachUnit(sec, (r, off, offSize) => out.push(parseUnit(r, off, offSize, lineStr, str)));
  return out;
}

function parseUnit(r: Reader, offset: number, offSize: number, lineStr?: Uint8Array, str?: Uint8Array): LineTable {
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`line table version ${version}`);
  let addrSize = 8;
  if (version >= 5) {
    addrSize = r.u8();
    r.u8(); // segment selector size
  }
  const hlen = offSize === 8 ? r.u64() : r.u32();
  const progStart = r.pos + hlen;
  const minInst = r.u8();
  const maxOps = version >= 4 ? r.u8() : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  const stdLens: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLens.push(r.u8());
  const files: string[] = [];
  if (version >= 5) {
    const readForm = (form: number): string | number => {
      switch (form) {
        case DW_FORM_string: return r.cstr();
        case DW_FORM_line_strp: return strAt(lineStr, offSize === 8 ? r.u64() : r.u32());
        case DW_FORM_strp: return strAt(str, offSize === 8 ? r.u64() : r.u32());
        case DW_FORM_udata: return r.uleb();
        case DW_FORM_data1: return r.u8();
        case DW_FORM_data2: return r.u16();
        case DW_FORM_data4: return r.u32();
        case DW_FORM_data8: return r.u64();
        case DW_FORM_data16: r.skip(16); return 0;
        case DW_FORM_block: r.skip(r.uleb()); return 0;
        case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4:
          throw new DwarfError('strx in a line table header needs .debug_str_offsets');
      }
      throw new DwarfError(`line table form 0x${form.toString(16)}`);
    };
    const entries = (): Record<number, string | number>[] => {
      const fmtCount = r.u8();
      const fmt: [number, number][] = [];
      for (let i = 0; i < fmtCount; i++) fmt.push([r.uleb(), r.uleb()]);
      const n = r.uleb();
      const list: Record<number, string | number>[] = [];
      for (let i = 0; i < n; i++) {
        const e: Record<number, string | number> = {};
        for (const [ct, form] of fmt) e[ct] = readForm(form);
        list.push(e);
      }
      return list;
    };
    const dirs = entries().map((e) => String(e[DW_LNCT_path] ?? ''));
    // directory 0 is the compilation directory; the others may be relative to it
    for (let i = 1; i < dirs.length; i++) if (!dirs[i].startsWith('/')) dirs[i] = join(dirs[0], dirs[i]);
    for (const f of entries()) files.push(join(dirs[Number(f[DW_LNCT_directory_index] ?? 0)] ?? '', String(f[DW_LNCT_path] ?? '')));
  } else {
    const dirs = [''];
    for (;;) {
      const d = r.cstr();
      if (!d) break;
      dirs.push(d);
    }
    files.push(''); // DWARF 2-4 file numbers start at 1
    for (;;) {
      const f = r.cstr();
      if (!f) break;
      const di = r.uleb();
      r.uleb();
      r.uleb();
      files.push(join(dirs[di] ?? '', f));
    }
  }
  r.pos = progStart;
  const rows: LineRow[] = [];
  // state machine
  let address = 0, opIndex = 0, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
  const reset = () => {
    address = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
  };
  const emit = (endSequence: boolean) => rows.push({ address, file, line, column, isStmt, endSequence });
  const advance = (opAdv: number) => {
    if (maxOps <= 1) address += minInst * opAdv;
    else {
      address += minInst * Math.floor((opIndex + opAdv) / maxOps);
      opIndex = (opIndex + opAdv) % maxOps;
    }
  };
  while (!r.done) {
    const op = r.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      advance(Math.floor(adj / lineRange));
      line += lineBase + (adj % lineRange);
      emit(false);
    } else if (op === 0) {
      const len = r.uleb();
      const at = r.pos;
      const sub = len ? r.u8() : 0;
      switch (sub) {
        case 1: // end_sequence
          emit(true);
          reset();
          break;
        case 2: // set_address
          address = r.uN(len - 1 === 4 ? 4 : addrSize);
          opIndex = 0;
          break;
        case 3: // define_file (DWARF <= 4)
          files.push(r.cstr());
          break;
        default: // set_discriminator and others
          break;
      }
      r.pos = at + len;
    } else {
      switch (op) {
        case 1: emit(false); break; // copy
        case 2: advance(r.uleb()); break; // advance_pc
        case 3: line += r.sleb(); break; // advance_line
        case 4: file = r.uleb(); break; // set_file
        case 5: column = r.uleb(); break; // set_column
        case 6: isStmt = !isStmt; break; // negate_stmt
        case 7: break; // set_basic_block
        case 8: advance(Math.floor((255 - opcodeBase) / lineRange)); break; // const_add_pc
        case 9: address += r.u16(); opIndex = 0; break; // fixed_advance_pc
        case 10: case 11: break; // prologue_end, epilogue_begin
        case 12: r.uleb(); break; // set_isa
        default:
          for (let i = 0; i < stdLens[op]; i++) r.uleb();
      }
    }
  }
  return { offset, version, files, rows };
}
