/**
 * Open the source line of a guest code address (a handler, an interrupted RIP, a SENDUIPI) in an editor, using the
 * adapter's line information (see sourceOf); false when the address has none (the caller falls back).
 */
import * as vscode from 'vscode';
import { sourceOf } from './model/dap-requests';

/**
 * The URI of a source path of a `disassemble` response as an extension gets it through customRequest. The adapter
 * sends plain file paths, but the workbench turns the `location.path` of every `disassemble` response into a URI on
 * its way (VS Code's convertToVSCPaths), so what comes back can be a URI string ("file:///…", or
 * "vscode-remote://HOST/…" with a remote extension host) or URI components: `Uri.file` of those names a file that
 * does not exist.
 */
export function sourceUri(p: unknown): vscode.Uri | undefined {
  if (p && typeof p === 'object' && typeof (p as { scheme?: unknown }).scheme === 'string') return vscode.Uri.from(p as { scheme: string });
  if (typeof p !== 'string' || !p) return undefined;
  // a scheme of two or more letters (so that a Windows drive letter stays a path)
  return /^[a-zA-Z][\w+.-]+:\/\//.test(p) ? vscode.Uri.parse(p) : vscode.Uri.file(p);
}

export async function revealSourceOf(address: string | number | undefined): Promise<boolean> {
  const s = vscode.debug.activeDebugSession;
  if (!s || s.type !== 'uintr' || address === undefined) return false;
  const ref = typeof address === 'number' ? '0x' + address.toString(16) : address;
  const src = await sourceOf(s, ref).catch(() => null);
  const uri = src && sourceUri(src.path);
  if (!src || !uri) return false;
  const doc = await vscode.workspace.openTextDocument(uri);
  const pos = new vscode.Position(src.line - 1, Math.max(0, src.column - 1));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true, preserveFocus: true });
  return true;
}
