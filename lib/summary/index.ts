// tp.summary: TensorBoard event files, torch.utils.tensorboard style (SummaryWriter) and
// tf.summary style (createFileWriter + scalar/histogram/image/text under writer.asDefault).
export { SummaryWriter } from './writer';
export type { SummaryWriterOptions } from './writer';
export { FileWriter, createFileWriter, scalar, histogram, image, text, flush, experimental } from './tf';
export type { FileWriterOptions } from './tf';
export type { HParamValue } from './hparams';
export type { Bins } from './values';
