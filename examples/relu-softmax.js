// The seeds' first network, eagerly: y = softmax(relu(x @ w1 + b1) @ w2 + b2).
// Run: npm run example:relu-softmax   (after `npm install`, which builds the addon and dist/)
const tp = require('..');

tp.manualSeed(0);
const x = tp.randn([4, 784]); // a batch of 4 "images"
const w1 = tp.randn([784, 128]).mul(Math.sqrt(2 / 784)); // He initialisation
const b1 = tp.zeros([128]);
const w2 = tp.randn([128, 10]).mul(Math.sqrt(1 / 128));
const b2 = tp.zeros([10]);

const probs = tp.tidy(() => {
  const hidden = tp.relu(tp.matmul(x, w1).add(b1));
  const logits = hidden.matmul(w2).add(b2);
  return tp.softmax(logits, -1);
});

console.log('class probabilities for 4 inputs:');
console.log(probs);
console.log('rows sum to', probs.sum(1).toArray());
console.log('predicted classes', probs.argmax(1).toArray());
console.log('memory:', tp.memory());
