/** eventfd(2) / eventfd2(2). */
import { def } from './table';
import { EINVAL, EMFILE } from '../errno';
import { O_CLOEXEC, O_NONBLOCK } from '../files';
import { EventFd, EFD_SEMAPHORE } from '../eventfd';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

function makeEventfd(k: Kernel, t: Thread, initval: number, flags: number): number {
  if (flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const f = new EventFd(BigInt(initval >>> 0), (flags & EFD_SEMAPHORE) !== 0, () => { k.epoch++; });
  if (flags & O_NONBLOCK) f.flags |= O_NONBLOCK;
  const fd = t.proc.fds.alloc(f, (flags & O_CLOEXEC) !== 0);
  return fd < 0 ? -EMFILE : fd;
}

def(284, 'eventfd', (k, t) => makeEventfd(k, t, k.argi(t, 0), 0));
def(290, 'eventfd2', (k, t) => makeEventfd(k, t, k.argi(t, 0), k.argi(t, 1)));
