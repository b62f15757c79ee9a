// Recording state, kept in a module with no imports so tensor.ts can read it without a cycle.

/**
 * `on` is the one flag the ops read: recording is enabled (not inside noGrad) AND some
 * tensor has been marked requiresGrad in this process. A program that never asks for
 * gradients pays one property read per op.
 */
export const tape = { on: false, enabled: true, used: false };

/** @internal recomputes tape.on */
export function refreshTape(): void {
  tape.on = tape.enabled && tape.used;
}
