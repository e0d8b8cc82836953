/** Registers every system call group. */
import './mem';
import './proc';
import './io';
import './time';
import './signal';
import './futex';
import './eventfd';
import './poll';
import './socket';
import './dirs';
import './proc_fs';
import '../uintr';
