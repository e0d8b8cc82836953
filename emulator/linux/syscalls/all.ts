/** Registers every system call group. */
import './mem';
import './proc';
import './io';
import './time';
import './signal';
import './futex';
