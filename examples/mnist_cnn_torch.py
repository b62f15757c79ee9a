#!/usr/bin/python3
"""The same Deep MNIST network as examples/mnist-cnn.js, trained by PyTorch on the same split:
   node examples/mnist-data.js /tmp/mnist && /usr/bin/python3 examples/mnist_cnn_torch.py /tmp/mnist
Same architecture, torch's default initialisation (as nn.Conv2d / nn.Linear in tapeflow), Adam 1e-3,
batch 50, EPOCHS (default 12) epochs, shuffled with torch.randperm (seed 0)."""
import os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

d = sys.argv[1]
epochs = int(os.environ.get("EPOCHS", "12"))
threads = os.environ.get("THREADS")
if threads:
    torch.set_num_threads(int(threads))
torch.manual_seed(0)
load = lambda n, t: torch.from_numpy(np.fromfile(os.path.join(d, n), dtype=t).copy())
x_train, y_train = load("xTrain.f32", np.float32).view(-1, 1, 28, 28), load("yTrain.i32", np.int32).long()
x_test, y_test = load("xTest.f32", np.float32).view(-1, 1, 28, 28), load("yTest.i32", np.int32).long()


class DeepMnist(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.dropout(F.relu(self.fc1(x.flatten(1))), 0.5, self.training)
        return self.fc2(x)


model = DeepMnist()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
t0 = time.time()
for epoch in range(epochs):
    model.train()
    perm = torch.randperm(x_train.shape[0])
    te = time.time()
    for i in range(0, x_train.shape[0], 50):
        idx = perm[i : i + 50]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
    print(f"epoch {epoch + 1}/{epochs} loss {loss.item():.4f} {time.time() - te:.1f} s", flush=True)
model.eval()
with torch.no_grad():
    acc = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"test accuracy: {100 * acc:.2f}% ({x_test.shape[0]} images), training {time.time() - t0:.1f} s, threads {torch.get_num_threads()}")
