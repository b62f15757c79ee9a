// tidy() scopes: tensors created while a scope is open are recorded here and
// disposed when it closes. Kept apart from memory.ts so tensor.ts can import it
// without a cycle.

export interface Disposable {
  dispose(): void;
}

export const scopes: Disposable[][] = [];
