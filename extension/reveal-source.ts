/**
 * Open the source line of a guest code address (a handler, an interrupted RIP, a SENDUIPI) in an editor, using the
 * adapter's line information (see sourceOf); false when the address has none (the caller falls back).
 */
import * as vscode from 'vscode';
import { sourceOf } from './model/dap-requests';

export async function revealSourceOf(address: string | number | undefined): Promise<boolean> {
  const s = vscode.debug.activeDebugSession;
  if (!s || s.type !== 'uintr' || address === undefined) return false;
  const ref = typeof address === 'number' ? '0x' + address.toString(16) : address;
  const src = await sourceOf(s, ref).catch(() => null);
  if (!src) return false;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(src.path));
  const pos = new vscode.Position(src.line - 1, Math.max(0, src.column - 1));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true, preserveFocus: true });
  return true;
}
