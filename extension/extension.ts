/**
 * VS Code extension entry point. This milestone ships the emulator and its CLI; the debugger registration,
 * UINTR views and language client arrive with the extension milestone. Activation is therefore a no-op,
 * but the bundle is real so the manifest's `main` is always loadable.
 */
export function activate(): void {
  // nothing to register yet
}

export function deactivate(): void {}
