// The Web Worker that solves the proof-of-work challenge (challenge.js)
// off the page's thread: it gets {token, bits} and answers {token, proof}.

import { solve } from './challenge.js';

self.onmessage = (e) => {
  const c = e.data;
  self.postMessage({ token: c.token, proof: solve(c) });
};
