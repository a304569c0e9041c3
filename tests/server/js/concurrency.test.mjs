// 16 simultaneous streaming chats to one model with 4 slots (ollama's
// client): all complete, each gives the same text as the same request sent
// alone, and together they finish sooner than one after another. The model
// is Qwen2.5-0.5B-shaped (Q4_0, random weights) so that decoding, not HTTP,
// is what batching saves on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Ollama } from "ollama";
import { startServer } from "./harness.mjs";

let server, ollama;
before(async () => {
  server = await startServer({ qwen: true, env: { HEARTH_NUM_PARALLEL: "4" } });
  ollama = new Ollama({ host: server.host });
});
after(async () => server && (await server.stop()));

const openings = ["Once upon a time", "The little dog", "Lily saw a bird", "One sunny day", "Tom had a red ball",
                  "The moon was", "A girl named Sue", "In the park"];

function request(i) {
  return {
    model: "qwen-synth:chat",
    messages: [{ role: "user", content: openings[i % openings.length] + (i >= openings.length ? " again" : "") }],
    stream: true,
    options: { temperature: 0.8, seed: 1000 + i, num_predict: 48 },
  };
}

async function run(i) {
  let text = "";
  let last;
  for await (const part of await ollama.chat(request(i))) {
    text += part.message.content;
    last = part;
  }
  return { text, tokens: last.eval_count };
}

test("16 streams on 4 slots: each as when alone, and faster together", async () => {
  await ollama.generate({ model: "qwen-synth:chat", prompt: "" });  // load
  const n = 16;
  const t0 = performance.now();
  const together = await Promise.all(Array.from({ length: n }, (_, i) => run(i)));
  const batchedMs = performance.now() - t0;

  const t1 = performance.now();
  const alone = [];
  for (let i = 0; i < n; ++i) alone.push(await run(i));
  const sequentialMs = performance.now() - t1;

  for (let i = 0; i < n; ++i) {
    assert.ok(together[i].tokens > 0 && together[i].text.length > 0, `request ${i} generated nothing`);
    assert.equal(together[i].text, alone[i].text, `request ${i} differs when batched`);
  }
  const tokens = together.reduce((s, r) => s + r.tokens, 0);
  console.log(`# ${tokens} tokens: ${(tokens / (batchedMs / 1000)).toFixed(0)} t/s batched (${batchedMs.toFixed(0)} ms), ` +
              `${(tokens / (sequentialMs / 1000)).toFixed(0)} t/s one after another (${sequentialMs.toFixed(0)} ms)`);
  assert.ok(batchedMs < sequentialMs, `batched ${batchedMs} ms is not faster than sequential ${sequentialMs} ms`);
});
