/** futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE (private and shared alike). */
import { def } from './table';
import { EAGAIN, EINVAL, ETIMEDOUT, ENOSYS } from '../errno';
import { BLOCKED } from '../files';
import { readTimespec, threadNow, REALTIME_EPOCH_NS, MONOTONIC_BASE_NS } from './time';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
  FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE = 128, FUTEX_CLOCK_REALTIME = 256;

def(202, 'futex', (k, t) => {
  const addr = k.arg(t, 0), opFull = k.argi(t, 1), val = k.argi(t, 2);
  const op = opFull & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
  const mem = t.proc.mem;
  switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (t.restarting) {
        if (t.waitData.woken) return 0;
        if (t.timedOut) {
          t.cancelWait?.();
          return -ETIMEDOUT;
        }
        return BLOCKED;
      }
      if (addr % 4) return -EINVAL;
      const bitset = op === FUTEX_WAIT_BITSET ? k.argi(t, 5) : -1;
      if (bitset === 0) return -EINVAL;
      const cur = mem.r32(addr);
      if (cur !== val) return -EAGAIN;
      const ts = k.arg(t, 3);
      if (ts) {
        const v = readTimespec(t, ts);
        if (v < 0) return -EINVAL;
        // FUTEX_WAIT: relative timeout; WAIT_BITSET: absolute (MONOTONIC, or REALTIME with the flag)
        if (op === FUTEX_WAIT) t.deadline = threadNow(k, t) + v;
        else t.deadline = opFull & FUTEX_CLOCK_REALTIME ? v - REALTIME_EPOCH_NS : v - MONOTONIC_BASE_NS;
        if (t.deadline <= threadNow(k, t)) return -ETIMEDOUT;
      }
      const q = k.futexQueue(mem, addr);
      q.push(t);
      t.waitData.bitset = bitset;
      t.cancelWait = () => {
        const i = q.indexOf(t);
        if (i >= 0) q.splice(i, 1);
      };
      return BLOCKED;
    }
    case FUTEX_WAKE:
      return k.futexWake(mem, addr, val, -1);
    case FUTEX_WAKE_BITSET: {
      const bitset = k.argi(t, 5);
      if (bitset === 0) return -EINVAL;
      return k.futexWake(mem, addr, val, bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      const addr2 = k.arg(t, 4), n2 = k.argi(t, 3);
      if (op === FUTEX_CMP_REQUEUE && mem.r32(addr) !== k.argi(t, 5)) return -EAGAIN;
      const woken = k.futexWake(mem, addr, val, -1);
      const q = k.futexQueue(mem, addr);
      const q2 = k.futexQueue(mem, addr2);
      let moved = 0;
      while (q.length && moved < n2) {
        const th = q.shift()!;
        q2.push(th);
        th.cancelWait = () => {
          const i = q2.indexOf(th);
          if (i >= 0) q2.splice(i, 1);
        };
        moved++;
      }
      return woken + moved;
    }
    case FUTEX_WAKE_OP:
      return -ENOSYS;
  }
  return -ENOSYS;
});
