// hearth serve through ollama's own JavaScript client (the `ollama` npm
// package): generate, chat, streaming and not, embed, list, show, ps; and
// structured output checked by an independent JSON-schema validator (ajv).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Ollama } from "ollama";
import Ajv from "ajv";
import { startServer, chatTemplate } from "./harness.mjs";

// llama.cpp's greedy continuation of "Once upon a time" (tests/data/stories260K-REFERENCE.md).
const onceUponATime =
  ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. " +
  "She wanted to play with it,";

let server, ollama;
before(async () => {
  server = await startServer();
  ollama = new Ollama({ host: server.host });
});
after(async () => server && (await server.stop()));

const greedy = (n) => ({ temperature: 0, num_predict: n });

test("generate, one object", async () => {
  const r = await ollama.generate({ model: "stories", prompt: "Once upon a time", stream: false, options: greedy(48) });
  assert.equal(r.response, onceUponATime);
  assert.equal(r.done, true);
  assert.equal(r.done_reason, "length");
  assert.equal(r.eval_count, 48);
  assert.ok(r.total_duration > 0 && r.eval_duration > 0 && r.prompt_eval_duration > 0);
  assert.ok(Array.isArray(r.context));
});

test("generate, streamed", async () => {
  let text = "";
  let last;
  for await (const part of await ollama.generate({ model: "stories", prompt: "Once upon a time", stream: true, options: greedy(48) })) {
    text += part.response;
    last = part;
  }
  assert.equal(text, onceUponATime);
  assert.equal(last.done, true);
  assert.equal(last.eval_count, 48);
});

// The chat's prompt is the model's template rendered by hand here; its
// greedy raw completion (cut at the Modelfile's stop string) is the answer.
function rendered(messages) {
  let s = "";
  for (const m of messages) s += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return s + "<|im_start|>assistant\n";
}

test("chat applies the model's template, one object and streamed", async () => {
  const messages = [
    { role: "system", content: "You tell stories." },
    { role: "user", content: "Once upon a time" },
  ];
  const raw = await ollama.generate({ model: "stories:chat", prompt: rendered(messages), raw: true, stream: false, options: greedy(40) });
  const chat = await ollama.chat({ model: "stories:chat", messages, stream: false, options: greedy(40) });
  assert.equal(chat.message.role, "assistant");
  assert.equal(chat.message.content, raw.response);
  let streamed = "";
  for await (const part of await ollama.chat({ model: "stories:chat", messages, stream: true, options: greedy(40) }))
    streamed += part.message.content;
  assert.equal(streamed, raw.response);
});

test("list, show and ps", async () => {
  const { models } = await ollama.list();
  const names = models.map((m) => m.name).sort();
  assert.deepEqual(names, ["stories:chat", "stories:latest", "tiny-embed:latest"]);
  const stories = models.find((m) => m.name === "stories:latest");
  assert.equal(stories.details.format, "gguf");
  assert.equal(stories.details.family, "llama");
  assert.match(stories.digest, /^[0-9a-f]{64}$/);
  assert.ok(stories.size > 1000000);

  const show = await ollama.show({ model: "stories:chat" });
  assert.equal(show.template, chatTemplate);
  assert.match(show.parameters, /stop\s+"<\|im_end\|>"/);
  assert.equal(show.model_info["general.architecture"], "llama");
  assert.ok(show.modelfile.includes("FROM "));

  await ollama.generate({ model: "stories", prompt: "Hi", options: greedy(2), stream: false });
  const ps = await ollama.ps();
  assert.ok(ps.models.some((m) => m.name === "stories:latest"));
});

test("embed", async () => {
  const r = await ollama.embed({ model: "tiny-embed", input: ["hello world", "a second text"] });
  assert.equal(r.embeddings.length, 2);
  for (const e of r.embeddings) {
    const norm = Math.sqrt(e.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `not unit length: ${norm}`);
  }
  assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
  const again = await ollama.embed({ model: "tiny-embed", input: "hello world" });
  assert.deepEqual(again.embeddings[0], r.embeddings[0]);
  await assert.rejects(ollama.embed({ model: "stories", input: "x" }), /does not support embeddings/);
});

test("errors reach the client", async () => {
  await assert.rejects(ollama.generate({ model: "no-such-model", prompt: "x", stream: false }), /not found/);
  await assert.rejects(
    ollama.chat({ model: "stories:chat", messages: [{ role: "user", content: "x", images: ["aGk="] }], stream: false }),
    /images are not supported/,
  );
});

test("format: a JSON schema constrains every sampled output", async () => {
  const schema = {
    type: "object",
    properties: {
      name: { type: "string", maxLength: 12 },
      age: { type: "integer", minimum: 0, maximum: 120 },
      mood: { enum: ["happy", "sad", "sleepy"] },
      tags: { type: "array", items: { type: "string", maxLength: 6 }, maxItems: 3 },
    },
    required: ["name", "age", "mood"],
    additionalProperties: false,
  };
  const validate = new Ajv().compile(schema);
  for (let seed = 1; seed <= 20; ++seed) {
    const r = await ollama.generate({
      model: "stories",
      prompt: "Once upon a time",
      format: schema,
      stream: false,
      options: { temperature: 1, seed, num_predict: 1000 },
    });
    let value;
    assert.doesNotThrow(() => (value = JSON.parse(r.response)), `seed ${seed}: not JSON: ${r.response}`);
    assert.ok(validate(value), `seed ${seed}: ${r.response}: ${JSON.stringify(validate.errors)}`);
    assert.equal(r.done_reason, "stop");
  }
  // format "json" allows any object, so this story model never closes its
  // first string value; what it writes is still an object's beginning (at
  // most 20 blanks between tokens: a key or "}" within 40 tokens).
  for (let seed = 1; seed <= 5; ++seed) {
    const json = await ollama.generate({ model: "stories", prompt: "Once", format: "json", stream: false, options: { seed, num_predict: 40 } });
    assert.match(json.response, /^\s*\{\s*("|\})/, `seed ${seed}: ${json.response}`);
  }
});
