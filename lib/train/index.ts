// tp.train: checkpoints of a training run (model, optimizer, scheduler, RNG, step), TF names.
export { CheckpointManager, latestCheckpoint, INDEX_FILE } from './manager';
export type { CheckpointManagerOptions, SaveCheckpointOptions } from './manager';
export { Saver } from './saver';
export type { SaverOptions, SaverSaveOptions } from './saver';
export type { CheckpointParts, RestoredCheckpoint } from './format';
