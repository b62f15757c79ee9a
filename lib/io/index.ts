// tp.io: checkpoint files (safetensors), read and written safely.
export {
  saveSafetensors,
  loadSafetensors,
  loadSafetensorsWithMetadata,
  encodeSafetensors,
  decodeSafetensors,
  decodeSafetensorsWithMetadata,
} from './safetensors';
export type { SaveSafetensorsOptions, LoadSafetensorsOptions } from './safetensors';
export type { SaveFloatDType } from './dtypes';
export { MAX_HEADER_BYTES } from './header';
export { save, load } from './state';
export type { HasStateDict } from './state';
export { loadTfjsModel, TfjsModel, TfjsGraphModel } from '../tfjs'; // issue 12: TF.js layers and graph models (lib/tfjs)
