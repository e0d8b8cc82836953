/**
 * eventfd(2) file descriptions: a 64-bit counter. read takes the whole value (or 1 with EFD_SEMAPHORE)
 * and waits while it is 0; write adds and waits while the sum would exceed 0xffff_ffff_ffff_fffe.
 */
import { FileObj, StatInfo, baseStat, BLOCKED, POLLIN, POLLOUT, O_RDWR, O_NONBLOCK } from './files';
import { EINVAL, EAGAIN } from './errno';

export const EFD_SEMAPHORE = 1;
const MAX = 0xffff_ffff_ffff_fffen;
let eventfdIds = 0;

export class EventFd extends FileObj {
  readonly kind = 'eventfd';
  readonly id = eventfdIds++;
  constructor(public count: bigint, readonly semaphore: boolean, private notify: () => void) {
    super();
    this.flags = O_RDWR;
  }
  override read(buf: Uint8Array): number {
    if (buf.length < 8) return -EINVAL;
    if (this.count === 0n) return this.flags & O_NONBLOCK ? -EAGAIN : BLOCKED;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
    this.notify();
    return 8;
  }
  override write(d: Uint8Array): number {
    if (d.length < 8) return -EINVAL;
    const v = new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffff_ffff_ffff_ffffn) return -EINVAL;
    if (MAX - this.count < v) return this.flags & O_NONBLOCK ? -EAGAIN : BLOCKED;
    if (v !== 0n) {
      this.count += v;
      this.notify();
    }
    return 8;
  }
  override poll(): number {
    return (this.count > 0n ? POLLIN : 0) | (this.count < MAX ? POLLOUT : 0);
  }
  stat(): StatInfo {
    // an anonymous inode: mode 0600 without a file type, like Linux
    return baseStat(0o600, 0, 0x3000 + this.id);
  }
  override describe(): string {
    return 'anon_inode:[eventfd]';
  }
}
