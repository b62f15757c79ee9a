#!/usr/bin/python3
"""Reads TensorBoard event files with a reader independent of tapeflow's: Google's protobuf
runtime (Debian python3-protobuf) over message definitions compiled here by protoc (written in
this file from TensorBoard's .proto sources, separately from lib/summary/proto.ts), the crc32c
package (python3-crc32c) for the record checksums, and Pillow (if present) for the PNGs.

    /usr/bin/python3 scripts/check_tfevents.py DIR_OR_FILE...

Checks every record's framing and both masked CRC32Cs, that each file starts with
file_version "brain.Event:2", and that every summary value is well formed (histogram buckets,
PNG size against the Image header, text tensors, hparams plugin data, graph inputs naming nodes).
Prints one line per file and a total; exits 1 on the first problem.
Needs: apt-get install python3-protobuf protobuf-compiler python3-crc32c
"""
import importlib
import io
import os
import struct
import subprocess
import sys
import tempfile

import crc32c

PROTO = r'''
syntax = "proto3";
package tbcheck;
import "google/protobuf/struct.proto";

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
    bytes meta_graph_def = 9;
  }
}
message Summary {
  message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}
message HistogramProto {
  double min = 1; double max = 2; double num = 3; double sum = 4; double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
}
message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated float f = 4 [packed = true];
    repeated bool b = 5 [packed = true];
    repeated int32 type = 6 [packed = true];
    repeated TensorShapeProto shape = 7;
  }
  oneof value {
    ListValue list = 1; bytes s = 2; int64 i = 3; float f = 4; bool b = 5; int32 type = 6;
    TensorShapeProto shape = 7; TensorProto tensor = 8; string placeholder = 9;
  }
}
message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message GraphDef { repeated NodeDef node = 1; VersionDef versions = 4; int32 version = 3; }

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    Experiment experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}
message Experiment {
  string name = 6; string description = 1; string user = 2; double time_created_secs = 3;
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
}
message HParamInfo {
  string name = 1; string display_name = 2; string description = 3; int32 type = 4;
  oneof domain { google.protobuf.ListValue domain_discrete = 5; }
}
message MetricName { string group = 1; string tag = 2; }
message MetricInfo { MetricName name = 1; string display_name = 3; string description = 4; int32 dataset_type = 5; }
message SessionStartInfo {
  map<string, google.protobuf.Value> hparams = 1;
  string model_uri = 2; string monitor_url = 3; string group_name = 4; double start_time_secs = 5;
}
message SessionEndInfo { int32 status = 1; double end_time_secs = 2; }
'''


class Bad(Exception):
    pass


def compile_proto():
    tmp = tempfile.mkdtemp(prefix='tbcheck')
    with open(os.path.join(tmp, 'tbcheck.proto'), 'w') as f:
        f.write(PROTO)
    include = [p for p in ('/usr/include', '/usr/local/include') if os.path.exists(os.path.join(p, 'google/protobuf/struct.proto'))]
    cmd = ['protoc', '-I', tmp] + [a for p in include for a in ('-I', p)] + ['--python_out', tmp, os.path.join(tmp, 'tbcheck.proto')]
    subprocess.run(cmd, check=True)
    sys.path.insert(0, tmp)
    return importlib.import_module('tbcheck_pb2')


def masked(data):
    crc = crc32c.crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    with open(path, 'rb') as f:
        buf = f.read()
    off = 0
    while off < len(buf):
        if off + 12 > len(buf):
            raise Bad('%s: truncated record header at byte %d' % (path, off))
        header = buf[off:off + 8]
        (n,) = struct.unpack('<Q', header)
        (hcrc,) = struct.unpack('<I', buf[off + 8:off + 12])
        if hcrc != masked(header):
            raise Bad('%s: length CRC mismatch at byte %d' % (path, off))
        data = buf[off + 12:off + 12 + n]
        if len(data) != n or off + 16 + n > len(buf):
            raise Bad('%s: truncated record data at byte %d' % (path, off))
        (dcrc,) = struct.unpack('<I', buf[off + 12 + n:off + 16 + n])
        if dcrc != masked(data):
            raise Bad('%s: data CRC mismatch at byte %d' % (path, off))
        yield data
        off += 16 + n


def check_png(pb, tag, img, counts):
    s = img.encoded_image_string
    if s[:8] != b'\x89PNG\r\n\x1a\n':
        raise Bad('%s: image is not a PNG' % tag)
    w, h = struct.unpack('>II', s[16:24])
    if (w, h) != (img.width, img.height):
        raise Bad('%s: PNG is %dx%d, header says %dx%d' % (tag, w, h, img.width, img.height))
    try:
        from PIL import Image
    except ImportError:
        return
    im = Image.open(io.BytesIO(s))
    im.load()
    want = {3: 'RGB', 4: 'RGBA', 1: 'L'}.get(img.colorspace)
    if im.mode != want:
        raise Bad('%s: PNG mode %s, colorspace %d' % (tag, im.mode, img.colorspace))
    counts['pixels'] = counts.get('pixels', 0) + w * h


def check_value(pb, v, counts):
    kind = v.WhichOneof('value')
    plugin = v.metadata.plugin_data.plugin_name if v.HasField('metadata') else ''
    if kind == 'simple_value':
        counts['scalar'] = counts.get('scalar', 0) + 1
    elif kind == 'histo':
        h = v.histo
        if len(h.bucket) != len(h.bucket_limit) or len(h.bucket) == 0:
            raise Bad('%s: %d buckets, %d limits' % (v.tag, len(h.bucket), len(h.bucket_limit)))
        if any(b > a for a, b in zip(h.bucket_limit[1:], h.bucket_limit)):
            raise Bad('%s: bucket limits do not increase' % v.tag)
        if sum(h.bucket) > h.num or not (h.min <= h.max):
            raise Bad('%s: counts %g for num %g, min %g max %g' % (v.tag, sum(h.bucket), h.num, h.min, h.max))
        counts['histogram'] = counts.get('histogram', 0) + 1
    elif kind == 'image':
        check_png(pb, v.tag, v.image, counts)
        counts['image'] = counts.get('image', 0) + 1
    elif kind == 'tensor' and plugin == 'text':
        t = v.tensor
        if t.dtype != 7 or len(t.string_val) != 1 or [d.size for d in t.tensor_shape.dim] != [1]:
            raise Bad('%s: text tensor malformed' % v.tag)
        t.string_val[0].decode('utf-8')
        counts['text'] = counts.get('text', 0) + 1
    elif kind is None and plugin == 'hparams':
        d = pb.HParamsPluginData()
        d.ParseFromString(v.metadata.plugin_data.content)
        which = d.WhichOneof('data')
        if which is None:
            raise Bad('%s: hparams plugin data holds nothing' % v.tag)
        counts['hparams/' + which] = counts.get('hparams/' + which, 0) + 1
    else:
        raise Bad('%s: unexpected value kind %s (plugin %r)' % (v.tag, kind, plugin))


def check_graph(pb, data, counts):
    g = pb.GraphDef()
    g.ParseFromString(data)
    names = set()
    for n in g.node:
        if n.name in names:
            raise Bad('graph: node %s twice' % n.name)
        for i in n.input:
            if i.split(':')[0].lstrip('^') not in names:
                raise Bad('graph: %s takes %s, not an earlier node' % (n.name, i))
        if '_output_shapes' not in n.attr or 'dtype' not in n.attr:
            raise Bad('graph: %s has no _output_shapes / dtype' % n.name)
        names.add(n.name)
    counts['graph nodes'] = counts.get('graph nodes', 0) + len(g.node)


def check_file(pb, path):
    counts = {}
    n = 0
    for data in records(path):
        e = pb.Event()
        e.ParseFromString(data)
        if n == 0 and e.file_version != 'brain.Event:2':
            raise Bad('%s: first event is not file_version brain.Event:2' % path)
        what = e.WhichOneof('what')
        if what == 'summary':
            for v in e.summary.value:
                check_value(pb, v, counts)
        elif what == 'graph_def':
            check_graph(pb, e.graph_def, counts)
        n += 1
    return n, counts


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    pb = compile_proto()
    files = []
    for a in argv:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                files += [os.path.join(root, x) for x in sorted(names) if x.startswith('events.out.tfevents.')]
        else:
            files.append(a)
    total = {}
    nrec = 0
    try:
        for f in sorted(files):
            n, counts = check_file(pb, f)
            nrec += n
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
            print('ok  %s: %d records %s' % (f, n, counts))
    except Bad as e:
        print('BAD', e)
        return 1
    print('checked %d files, %d records, all CRCs good: %s' % (len(files), nrec, total))
    return 0 if files else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
