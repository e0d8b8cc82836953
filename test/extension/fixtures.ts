/** Synthetic `uintr/state` snapshots for the view-model tests (shapes as in docs/dap.md). */
import type { ThreadState, UintrState } from '../../extension/model/types';

export function thread(over: Partial<ThreadState> & { id: number }): ThreadState {
  return {
    pid: 1000, name: 'uipi_sample', core: 0, state: 'running', uif: 0, uirr: '0x0', pending: [], handler: '0x0', handlerSymbol: null,
    stackAdjust: '0x0', uinv: 0, uittsz: 0, uittAddr: '0x0', ttValid: 0, upidAddr: '0x0', upid: null, uitt: [], uittSource: 'none',
    receiver: null, active: [], delivery: 'not a receiver', ...over,
  };
}

/** The uipi sample stopped right after its SENDUIPI: receiver 1000 (sleeping, SN=1, PIR=1), sender 1001. */
export function uipiState(over: { receiver?: Partial<ThreadState>; sender?: Partial<ThreadState> } = {}): UintrState {
  const receiver = thread({
    id: 1000, core: 0, state: 'blocked in clock_nanosleep', uif: 1, handler: '0x4017b0', handlerSymbol: 'uintr_handler', stackAdjust: '0x80', uinv: 236,
    upidAddr: '0xfe000000', upid: { addr: '0xfe000000', on: 0, sn: 1, nv: 236, ndst: '0x0', apic: 0, pir: '0x1', blkd: 0, owner: 1000 },
    receiver: { upid: '0xfe000000', vectors: [0] }, delivery: 'vector(s) 0 posted in UPID.PIR, not yet in UIRR: UPID.SN = 1',
    ...over.receiver,
  });
  const sender = thread({
    id: 1001, core: 1, state: 'running', uittsz: 1, uittAddr: '0xfe001001', ttValid: 1, uittSource: 'msr',
    uitt: [{ index: 0, vector: 0, upid: '0xfe000000', target: 1000 }], ...over.sender,
  });
  return {
    threads: [receiver, sender],
    routes: [{ uitt: '0xfe001000', senders: [1001], pid: 1000, index: 0, vector: 0, upid: '0xfe000000', target: 1000 }],
    time: 11660, events: 10, running: false,
  };
}
