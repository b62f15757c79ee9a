// The protocol buffer messages tapeflow writes into TensorBoard event files: only those, with
// TensorBoard's own field numbers (tensorboard/compat/proto/{event,summary,histogram,tensor,
// tensor_shape,graph,node_def,attr_value,versions}.proto, plugins/hparams/{api,plugin_data}.proto,
// google/protobuf/struct.proto). Fields we never set are left out: a reader skips nothing it
// expects, and protobuf ignores what it does not know. Kept as a string (not a .proto file) so
// it travels inside dist/ with the compiled code; parsed once, on first use, by protobufjs.
// protobufjs is loaded then too: require('tapeflow') does not pay for it.
import type * as protobuf from 'protobufjs';

export const TENSORBOARD_PROTO = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
  }
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

enum DataType {
  DT_INVALID = 0;
  DT_FLOAT = 1;
  DT_DOUBLE = 2;
  DT_INT32 = 3;
  DT_STRING = 7;
  DT_BOOL = 10;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated float float_val = 5 [packed = true];
  repeated bytes string_val = 8;
}

message GraphDef {
  repeated NodeDef node = 1;
  VersionDef versions = 4;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
}

message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated DataType type = 6 [packed = true];
    repeated TensorShapeProto shape = 7;
  }
  oneof value {
    ListValue list = 1;
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    DataType type = 6;
    TensorShapeProto shape = 7;
  }
}
`;

export const HPARAMS_PROTO = `
syntax = "proto3";
package tensorboard.hparams;

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    Experiment experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}

message SessionStartInfo {
  map<string, google.protobuf.Value> hparams = 1;
  string model_uri = 2;
  string monitor_url = 3;
  string group_name = 4;
  double start_time_secs = 5;
}

message SessionEndInfo {
  Status status = 1;
  double end_time_secs = 2;
}

message Experiment {
  string description = 1;
  string user = 2;
  double time_created_secs = 3;
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
  string name = 6;
}

message HParamInfo {
  string name = 1;
  string display_name = 2;
  string description = 3;
  DataType type = 4;
  oneof domain {
    google.protobuf.ListValue domain_discrete = 5;
  }
}

enum DataType {
  DATA_TYPE_UNSET = 0;
  DATA_TYPE_STRING = 1;
  DATA_TYPE_BOOL = 2;
  DATA_TYPE_FLOAT64 = 3;
}

message MetricName {
  string group = 1;
  string tag = 2;
}

message MetricInfo {
  MetricName name = 1;
  string display_name = 3;
  string description = 4;
}

enum Status {
  STATUS_UNKNOWN = 0;
  STATUS_SUCCESS = 1;
  STATUS_FAILURE = 2;
  STATUS_RUNNING = 3;
}
`;

export const STRUCT_PROTO = `
syntax = "proto3";
package google.protobuf;

message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    ListValue list_value = 6;
  }
}

enum NullValue {
  NULL_VALUE = 0;
}

message ListValue {
  repeated Value values = 1;
}
`;

export interface SummaryTypes {
  root: protobuf.Root;
  Event: protobuf.Type;
  Summary: protobuf.Type;
  GraphDef: protobuf.Type;
  HParamsPluginData: protobuf.Type;
}

let types: SummaryTypes | null = null;

/** The message types, parsed on first use. */
export function summaryTypes(): SummaryTypes {
  if (types !== null) return types;
  const pb = require('protobufjs') as typeof protobuf; // eslint-disable-line @typescript-eslint/no-var-requires
  const root = new pb.Root();
  for (const src of [STRUCT_PROTO, TENSORBOARD_PROTO, HPARAMS_PROTO]) pb.parse(src, root, { keepCase: true });
  root.resolveAll();
  types = {
    root,
    Event: root.lookupType('tensorboard.Event'),
    Summary: root.lookupType('tensorboard.Summary'),
    GraphDef: root.lookupType('tensorboard.GraphDef'),
    HParamsPluginData: root.lookupType('tensorboard.hparams.HParamsPluginData'),
  };
  return types;
}

/** TensorFlow's DataType numbers for tapeflow's dtypes. */
export const TF_DTYPE: Record<string, number> = { float32: 1, float64: 2, int32: 3, bool: 10 };
