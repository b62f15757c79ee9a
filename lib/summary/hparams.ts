// torch.utils.tensorboard.summary.hparams: the three summaries the HParams plugin reads (the
// experiment with its hparam and metric infos, the session start with the values, the session
// end), each a Summary.Value with plugin "hparams" whose content is an HParamsPluginData.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { summaryTypes } from './proto';
import type { SummaryValue } from './values';

export type HParamValue = number | string | boolean | Tensor;

const DATA_TYPE = { string: 1, bool: 2, float64: 3 };
const STATUS_SUCCESS = 1;

function pluginValue(tag: string, data: Record<string, unknown>): SummaryValue {
  const { HParamsPluginData } = summaryTypes();
  const content = HParamsPluginData.encode({ version: 0, ...data }).finish();
  return { tag, metadata: { plugin_data: { plugin_name: 'hparams', content } } };
}

function plainObject(op: string, what: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) fail(op, `${what} must be a plain object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

/**
 * The experiment, session-start and session-end values for hparamDict (numbers, strings,
 * booleans, one-element tensors; undefined/null entries skipped, as torch skips None) and the
 * metric names of metricDict. domainDiscrete lists the allowed values of some hparams.
 */
export function hparamsValues(
  hparamDict: unknown,
  metricDict: unknown,
  domainDiscrete: Record<string, unknown[]> = {},
): [SummaryValue, SummaryValue, SummaryValue] {
  const op = 'addHparams';
  const hp = plainObject(op, 'hparamDict', hparamDict);
  const metrics = plainObject(op, 'metricDict', metricDict);
  const domains = plainObject(op, 'hparamDomainDiscrete', domainDiscrete);
  const infos: Record<string, unknown>[] = [];
  const values: Record<string, Record<string, unknown>> = {};
  for (const [k, raw] of Object.entries(hp)) {
    if (raw === undefined || raw === null) continue;
    let v = raw;
    if (v instanceof Tensor) {
      v._live(op);
      if (v.size !== 1) fail(op, `hparamDict.${k} must be a one-element tensor, got ${describe(v)}`, 'ERR_SHAPE');
      v = v.item();
    }
    const kind = typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : null;
    if (kind === null) fail(op, `hparamDict.${k} must be a number, string, boolean or one-element tensor, got ${describe(v)}`);
    const field = kind === 'number' ? 'number_value' : kind === 'string' ? 'string_value' : 'bool_value';
    values[k] = { [field]: v };
    const info: Record<string, unknown> = { name: k, type: kind === 'number' ? DATA_TYPE.float64 : kind === 'string' ? DATA_TYPE.string : DATA_TYPE.bool };
    const dom = domains[k];
    if (dom !== undefined) {
      if (!Array.isArray(dom)) fail(op, `hparamDomainDiscrete.${k} must be an array, got ${describe(dom)}`);
      for (const d of dom) if (typeof d !== typeof v) fail(op, `hparamDomainDiscrete.${k} holds ${describe(d)}, not a ${typeof v} like the value`);
      info.domain_discrete = { values: dom.map((d) => ({ [field]: d })) };
    }
    infos.push(info);
  }
  const metricInfos = Object.keys(metrics).map((tag) => ({ name: { tag } }));
  return [
    pluginValue('_hparams_/experiment', { experiment: { hparam_infos: infos, metric_infos: metricInfos } }),
    pluginValue('_hparams_/session_start_info', { session_start_info: { hparams: values } }),
    pluginValue('_hparams_/session_end_info', { session_end_info: { status: STATUS_SUCCESS } }),
  ];
}
