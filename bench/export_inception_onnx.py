"""Builds nsfwjs's Inception v3 in PyTorch 1.13 from its TF.js weights and exports it to ONNX, for
the onnxruntime-node column of bench/cases-pretrained.js (no torchvision: a small interpreter of
the Keras layer config, for the layer types this model uses).

  node -e "<dump>" (bench/cases-pretrained.js does it) writes DIR/model.json + DIR/weights.bin,
  /usr/bin/python3 bench/export_inception_onnx.py DIR OUT.onnx

The exported graph takes the same NHWC [N, 299, 299, 3] float input as the TF.js model (one
Transpose to NCHW first) and returns the 5 class probabilities; the script checks torch's
outputs against @tensorflow/tfjs's in test/fixtures/tfjs_nsfwjs.json before exporting.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def load_weights(d):
    m = json.load(open(os.path.join(d, "model.json")))
    buf = open(os.path.join(d, "weights.bin"), "rb").read()
    out, at = {}, 0
    for g in m["weightsManifest"]:
        for w in g["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                dt = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
                raw = np.frombuffer(buf, dtype=dt, count=n, offset=at)
                at += n * raw.itemsize
                # dequantise in float64, round once to float32, as tapeflow and tfjs do
                v = (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
            else:
                v = np.frombuffer(buf, dtype=np.float32, count=n, offset=at).copy()
                at += 4 * n
            out[w["name"]] = torch.from_numpy(v.reshape(w["shape"]))
    assert at == len(buf), (at, len(buf))
    return m["modelTopology"]["model_config"]["config"], out


class KerasNet(torch.nn.Module):
    def __init__(self, cfg, weights):
        super().__init__()
        self.layers = cfg["layers"]
        self.inp = cfg["input_layers"][0][0]
        self.out = cfg["output_layers"][0][0]
        self.params = {}
        for name, t in weights.items():
            key = name.replace("/", "__")
            # HWIO conv kernels → OIHW once, here
            if name.endswith("/kernel") and t.dim() == 4:
                t = t.permute(3, 2, 0, 1).contiguous()
            self.register_buffer(key, t)
            self.params[name] = key

    def w(self, layer, role):
        key = self.params.get(f"{layer}/{role}")
        return None if key is None else getattr(self, key)

    def forward(self, x):
        env = {self.inp: x.permute(0, 3, 1, 2)}
        for l in self.layers:
            c, n = l["class_name"], l["config"]["name"]
            if c == "InputLayer":
                continue
            xs = [env[i[0]] for i in l["inbound_nodes"][0]]
            cfg = l["config"]
            y = xs[0]
            if c == "Conv2D":
                k = cfg["kernel_size"]
                pad = (k[0] // 2, k[1] // 2) if cfg["padding"] == "same" else (0, 0)
                assert cfg["padding"] == "valid" or tuple(cfg["strides"]) == (1, 1)
                y = F.conv2d(y, self.w(n, "kernel"), self.w(n, "bias"), stride=tuple(cfg["strides"]), padding=pad)
            elif c == "BatchNormalization":
                g = self.w(n, "gamma")
                y = F.batch_norm(y, self.w(n, "moving_mean"), self.w(n, "moving_variance"), g, self.w(n, "beta"), False, 0.0, cfg["epsilon"])
            elif c == "Activation":
                y = {"relu": F.relu, "softmax": lambda t: F.softmax(t, -1), "linear": lambda t: t}[cfg["activation"]](y)
            elif c == "MaxPooling2D":
                assert cfg["padding"] == "valid"
                y = F.max_pool2d(y, tuple(cfg["pool_size"]), tuple(cfg["strides"]))
            elif c == "AveragePooling2D":
                k = cfg["pool_size"]
                pad = (k[0] // 2, k[1] // 2) if cfg["padding"] == "same" else (0, 0)
                y = F.avg_pool2d(y, tuple(k), tuple(cfg["strides"]), pad, count_include_pad=False)
            elif c == "Concatenate":
                assert cfg["axis"] in (3, -1)
                y = torch.cat(xs, 1)
            elif c == "Flatten":
                y = y.permute(0, 2, 3, 1).reshape(y.shape[0], -1)
            elif c == "Dense":
                y = y @ self.w(n, "kernel") + self.w(n, "bias")
                y = {"relu": F.relu, "softmax": lambda t: F.softmax(t, -1), "linear": lambda t: t}[cfg["activation"]](y)
            elif c == "Dropout":
                pass
            else:
                raise ValueError(f"layer class {c} not handled")
            env[n] = y
        return env[self.out]


def tfjs_input(batch, size):
    # the formula of test/fixtures/tfjs-input.js, in float64 then float32
    b, y, x, c = np.meshgrid(np.arange(batch), np.arange(size), np.arange(size), np.arange(3), indexing="ij")
    v = 0.5 + 0.5 * np.sin((x * (c + 1)) / 23 + (y * (3 - c)) / 31 + b * 1.7 + np.cos((x - y) / 17))
    return torch.from_numpy(v.astype(np.float32))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    cfg, weights = load_weights(src)
    net = KerasNet(cfg, weights).eval()
    ref = json.load(open(os.path.join(HERE, "..", "test", "fixtures", "tfjs_nsfwjs.json")))["inception_v3"]
    with torch.no_grad():
        p = net(tfjs_input(ref["batch"], ref["size"])).reshape(-1).numpy()
    err = float(np.max(np.abs(p - np.array(ref["probs"]))))
    print(f"torch vs @tensorflow/tfjs probabilities: max |diff| {err:.2e}")
    assert err < 1e-4, err
    torch.onnx.export(net, tfjs_input(1, 299), dst, input_names=["input_1"], output_names=["dense_3"],
                      dynamic_axes={"input_1": {0: "N"}, "dense_3": {0: "N"}}, opset_version=13)
    print(f"wrote {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
