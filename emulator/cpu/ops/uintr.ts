/** UINTR instructions (SENDUIPI, UIRET, STUI, CLUI, TESTUI): implemented with the UINTR architecture (emulator/uintr). */
export {};
