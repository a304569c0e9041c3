// hearth serve through OpenAI's JavaScript SDK (the `openai` npm package)
// pointed at its /v1 endpoints: chat completions streaming and not, with
// usage; completions; models; embeddings (the SDK asks for base64 and
// decodes it); and response_format json_schema, checked by ajv.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Ajv from "ajv";
import { startServer } from "./harness.mjs";

const onceUponATime =
  ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. " +
  "She wanted to play with it,";

let server, openai;
before(async () => {
  server = await startServer();
  openai = new OpenAI({ baseURL: server.host + "/v1", apiKey: "unused", maxRetries: 0 });
});
after(async () => server && (await server.stop()));

test("chat completion with usage", async () => {
  const r = await openai.chat.completions.create({
    model: "stories",
    messages: [{ role: "user", content: "Once upon a time" }],
    temperature: 0,
    max_tokens: 48,
  });
  assert.equal(r.object, "chat.completion");
  assert.equal(r.choices[0].message.content, onceUponATime);
  assert.equal(r.choices[0].finish_reason, "length");
  assert.deepEqual(r.usage, { prompt_tokens: 5, completion_tokens: 48, total_tokens: 53 });
});

test("streamed chat completion with include_usage", async () => {
  const stream = await openai.chat.completions.create({
    model: "stories",
    messages: [{ role: "user", content: "Once upon a time" }],
    temperature: 0,
    max_tokens: 48,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.choices.length) {
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, onceUponATime);
  assert.equal(finish, "length");
  assert.equal(usage.completion_tokens, 48);
});

test("completions", async () => {
  const r = await openai.completions.create({ model: "stories", prompt: "Once upon a time", temperature: 0, max_tokens: 48 });
  assert.equal(r.object, "text_completion");
  assert.equal(r.choices[0].text, onceUponATime);
  assert.equal(r.usage.completion_tokens, 48);
});

test("models", async () => {
  const list = await openai.models.list();
  const ids = list.data.map((m) => m.id).sort();
  assert.deepEqual(ids, ["stories:chat", "stories:latest", "tiny-embed:latest"]);
  const one = await openai.models.retrieve("stories:chat");
  assert.equal(one.id, "stories:chat");
  await assert.rejects(openai.models.retrieve("nope"), (e) => e.status === 404);
});

test("embeddings, as the SDK asks for them (base64) and as floats", async () => {
  const viaSdk = await openai.embeddings.create({ model: "tiny-embed", input: ["hello world", "other"] });
  assert.equal(viaSdk.data.length, 2);
  const floats = await openai.embeddings.create({ model: "tiny-embed", input: "hello world", encoding_format: "float" });
  assert.equal(viaSdk.data[0].embedding.length, floats.data[0].embedding.length);
  for (let i = 0; i < floats.data[0].embedding.length; ++i)
    assert.ok(Math.abs(viaSdk.data[0].embedding[i] - floats.data[0].embedding[i]) < 1e-6);
  assert.ok(viaSdk.usage.prompt_tokens > 0);
});

test("response_format json_schema constrains the output", async () => {
  const schema = {
    type: "object",
    properties: { title: { type: "string", maxLength: 10 }, pages: { type: "integer", minimum: 1, maximum: 999 } },
    required: ["title", "pages"],
    additionalProperties: false,
  };
  const validate = new Ajv().compile(schema);
  for (let seed = 1; seed <= 5; ++seed) {
    const r = await openai.chat.completions.create({
      model: "stories",
      messages: [{ role: "user", content: "A book" }],
      response_format: { type: "json_schema", json_schema: { name: "book", schema, strict: true } },
      temperature: 1,
      seed,
      max_tokens: 300,
    });
    const value = JSON.parse(r.choices[0].message.content);
    assert.ok(validate(value), JSON.stringify(validate.errors));
  }
});

test("errors in OpenAI's shape", async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    (e) => e.status === 404 && /not found/.test(e.message),
  );
  await assert.rejects(openai.chat.completions.create({ model: "stories", messages: [] }), (e) => e.status === 400);
});
