// tp.image: decode PNG / JPEG files to [H, W, C] tensors, resize and normalize them (TF's
// channels-last layout throughout, so decode → resize → normalize → a NHWC model chain up).
export { decode } from './decode';
export type { DecodeOptions } from './decode';
export { resize } from './resize';
export type { ResizeOptions } from './resize';
export { normalize } from './normalize';
export type { NormalizeOptions } from './normalize';
export { sniffFormat } from './sniff';
