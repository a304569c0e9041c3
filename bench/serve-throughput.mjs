// Aggregate generation speed of a running `hearth serve` (or any
// ollama-compatible server) with 1, 4, 8 ... concurrent streams.
//
//   node bench/serve-throughput.mjs --model MODEL [--host http://127.0.0.1:11434] [--streams 1,4,8]
//                                   [-n 128] [--rounds 2]
//
// Each stream is a streaming /api/generate of -n tokens (temperature 0.8, a
// seed per stream, the prompt varied so no two share a cache); a round
// starts them together and ends when the last finishes. Prints, per stream
// count, total generated tokens / wall time of the round (best round), and
// the mean per-stream rate as the server reports it (eval_count /
// eval_duration). Not a test: it prints figures.
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const model = opt("--model");
if (!model) {
  console.error("usage: node bench/serve-throughput.mjs --model MODEL [--host URL] [--streams 1,4,8] [-n 128] [--rounds 2]");
  process.exit(2);
}
const host = opt("--host", process.env.HEARTH_HOST ? `http://${process.env.HEARTH_HOST}` : "http://127.0.0.1:11434");
const streams = opt("--streams", "1,4,8").split(",").map(Number);
const n = Number(opt("-n", "128"));
const rounds = Number(opt("--rounds", "2"));
const openings = ["Once upon a time", "The little dog", "In a small town", "A long time ago", "The rain fell",
                  "Tom and Sue", "Far away", "On the hill", "The old man", "A bird sang", "It was late", "The river"];

async function stream(i) {
  const res = await fetch(`${host}/api/generate`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      model,
      prompt: `${openings[i % openings.length]} (${i})`,
      options: { temperature: 0.8, seed: i, num_predict: n },
    }),
  });
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffered = "";
  let last = null;
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) last = JSON.parse(line);
    }
  }
  return last;
}

await fetch(`${host}/api/generate`, { method: "POST", body: JSON.stringify({ model, prompt: "" }) });  // load
console.log(`| streams | tokens | wall s | aggregate t/s | per-stream t/s (server) |`);
console.log(`|---:|---:|---:|---:|---:|`);
for (const k of streams) {
  let best = null;
  for (let r = 0; r < rounds; ++r) {
    const t0 = performance.now();
    const finals = await Promise.all(Array.from({ length: k }, (_, i) => stream(r * 1000 + k * 100 + i)));
    const wall = (performance.now() - t0) / 1000;
    const tokens = finals.reduce((s, f) => s + f.eval_count, 0);
    const perStream = finals.reduce((s, f) => s + f.eval_count / (f.eval_duration / 1e9), 0) / k;
    if (!best || tokens / wall > best.rate) best = { tokens, wall, rate: tokens / wall, perStream };
  }
  console.log(`| ${k} | ${best.tokens} | ${best.wall.toFixed(2)} | ${best.rate.toFixed(1)} | ${best.perStream.toFixed(1)} |`);
}
console.log(`\nmodel ${model}, ${n} tokens a stream, best of ${rounds} round(s), server ${host}`);
