// Devices: 'cpu' and 'cuda:N'. Native code keeps a device as a small integer on each storage
// (0 = cpu, 1 + N = cuda:N; native/core/device.h); these helpers convert and validate the
// spellings users write ('cpu', 'cuda', 'cuda:1', { type, index }).
import { native } from './native';
import { fail, describe } from './errors';

export type DeviceLike = string | { type: 'cpu' | 'cuda'; index?: number };

export const CPU = 0;

/** The device code for a spelling; 'cuda' means cuda:0. Throws ERR_DEVICE for anything else. */
export function deviceCode(d: unknown, op = 'device'): number {
  if (d === undefined || d === null || d === 'cpu') return CPU;
  let type: unknown, index: unknown;
  if (typeof d === 'string') {
    const m = /^(cpu|cuda)(?::(\d{1,3}))?$/.exec(d);
    if (!m) fail(op, `unknown device ${describe(d)}; expected 'cpu', 'cuda' or 'cuda:N'`, 'ERR_DEVICE');
    type = m[1];
    index = m[2] === undefined ? 0 : Number(m[2]);
  } else if (typeof d === 'object') {
    type = (d as { type?: unknown }).type;
    index = (d as { index?: unknown }).index ?? 0;
  }
  if (type === 'cpu' && index === 0) return CPU;
  if (type === 'cuda' && Number.isInteger(index) && (index as number) >= 0 && (index as number) < 64) return 1 + (index as number);
  return fail(op, `unknown device ${describe(d)}; expected 'cpu', 'cuda' or 'cuda:N'`, 'ERR_DEVICE');
}

export function deviceName(code: number): string {
  return code === CPU ? 'cpu' : `cuda:${code - 1}`;
}

let info: { built: boolean; deviceCount: number } | null = null;
function cudaInfo(): { built: boolean; deviceCount: number } {
  if (!info) info = native.cudaInfo() as { built: boolean; deviceCount: number };
  return info;
}

/** `tp.cuda`: what the loaded build and this machine offer. */
export const cuda = {
  /** True when this addon was built with CUDA and a GPU is visible. */
  isAvailable(): boolean {
    return cudaInfo().deviceCount > 0;
  },
  /** Visible CUDA devices (0 without a CUDA build, a driver or a GPU). */
  deviceCount(): number {
    return cudaInfo().deviceCount;
  },
  /** True when the loaded addon carries the CUDA backend (`npm run build:cuda`). */
  isBuilt(): boolean {
    return cudaInfo().built;
  },
};

/** Throws ERR_DEVICE unless `code` names a device this process can use. */
export function checkAvailable(code: number, op: string): void {
  if (code === CPU) return;
  const { built, deviceCount } = cudaInfo();
  if (!built) fail(op, `${deviceName(code)} is not available: tapeflow was built without CUDA (npm run build:cuda)`, 'ERR_DEVICE');
  if (code - 1 >= deviceCount)
    fail(op, `${deviceName(code)} is not available: ${deviceCount} CUDA device(s) visible`, 'ERR_DEVICE');
}
