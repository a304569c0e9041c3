#!/usr/bin/env node
// llama.cpp side of bench/compare-llamacpp.sh: times prompt processing and
// greedy generation with the prebuilt CPU llama.cpp that the npm package
// node-llama-cpp ships (installed by compare-llamacpp.sh under
// build/bench-node, outside the tracked tree).
//
//   node bench/llamacpp-bench.mjs --model M --text-file F -n N -t T -r R -c CTX
//       evaluates the text of F as the prompt (BOS + its tokens); prints one
//       lines per repetition on stdout: "pp <tokens> <tokens/s>",
//       "tg <tokens> <tokens/s>" (timed in JavaScript around the calls) and
//       "pp-own ...", "tg-own ..." (the same runs by llama.cpp's own llama_perf
//       counters: llama_decode time only, no Node.js/N-API/sampling), and what
//       it ran (versions, threads...) on stderr.
//   node bench/llamacpp-bench.mjs --model M --text-file F -p P --emit-prompt
//       prints the text of F repeated and cut to about P tokens (BOS included):
//       the prompt both engines are given.
//
// Measurement (public API of a LlamaContextSequence, no chat/completion layer):
//   one `sequence.evaluate(promptTokens, {temperature: 0})` generator per
//   repetition, on a cleared sequence;
//   pp: the first next() = one llama_decode of the P prompt tokens in a single
//       batch (logits of the last one) + the greedy pick of the first token;
//       rate = P / that time.
//   tg: N-1 more next() = N-1 single-token llama_decode steps, each followed by
//       a greedy pick; rate = N / that time. This is hearth's (and ollama's)
//       "eval rate" convention: N generated tokens, the last one not evaluated.
//   End-of-generation tokens do not stop it (yieldEogToken), so every run does
//   exactly N steps.
// Nothing is downloaded or built: getLlama({build: "never", skipDownload: true,
// gpu: false}) uses the prebuilt binaries or fails.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
process.env.NODE_LLAMA_CPP_GPU = "false";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

function usage(msg) {
  if (msg) console.error(`llamacpp-bench: ${msg}`);
  console.error("usage: llamacpp-bench.mjs --model M.gguf --text-file F [-p P] [-n N] [-t T] [-r R] [-c CTX] " +
    "[--flash-attn auto|on|off] [--emit-prompt] [--node-dir DIR]");
  process.exit(2);
}

const opt = {
  model: path.join(root, "models/stories260K.gguf"), textFile: null, p: 128, n: 128, t: 2, r: 3, c: 0,
  flashAttn: "auto", emitPrompt: false,
  nodeDir: process.env.HEARTH_BENCH_NODE_DIR || path.join(root, "build/bench-node"),
};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  const val = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
  const int = () => { const v = Number(val()); if (!Number.isInteger(v) || v < 0) usage(`${a} needs an integer`); return v; };
  switch (a) {
    case "--model": opt.model = val(); break;
    case "--text-file": opt.textFile = val(); break;
    case "-p": opt.p = int(); break;
    case "-n": opt.n = int(); break;
    case "-t": opt.t = int(); break;
    case "-r": opt.r = int(); break;
    case "-c": opt.c = int(); break;
    case "--flash-attn": opt.flashAttn = val(); break;
    case "--emit-prompt": opt.emitPrompt = true; break;
    case "--node-dir": opt.nodeDir = val(); break;
    case "-h": case "--help": usage(); break;
    default: usage(`unknown argument ${a}`);
  }
}
if (!opt.textFile) usage("--text-file is required");
if (opt.p < 2 || opt.n < 2 || opt.r < 1 || opt.t < 1) usage("need -p >= 2, -n >= 2, -r >= 1, -t >= 1");
const flashAttention = { auto: "auto", on: true, off: false }[opt.flashAttn];
if (flashAttention === undefined) usage("--flash-attn is auto, on or off");

// node-llama-cpp lives outside the repository: resolve it from there.
const requireFromNodeDir = createRequire(path.join(path.resolve(opt.nodeDir), "package.json"));
let entry;
try {
  entry = requireFromNodeDir.resolve("node-llama-cpp");
} catch {
  console.error(`llamacpp-bench: node-llama-cpp is not installed under ${opt.nodeDir} (run bench/compare-llamacpp.sh, which installs it)`);
  process.exit(1);
}
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
const nlcVersion = JSON.parse(readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")).version;

// llama.cpp's own timers (llama_perf_context_print, through the logger at the
// info level): decode time alone, without Node.js, N-API and the sampler.
const perfLines = [];
const logger = (level, message) => {
  if (/eval time =/.test(message)) perfLines.push(message);
  else if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) console.error(message);
};
const llama = await getLlama({
  gpu: false,
  build: "never",           // never compile llama.cpp
  skipDownload: true,       // never fetch llama.cpp sources or releases
  usePrebuiltBinaries: true,
  progressLogs: false,
  maxThreads: 0,            // no cap: the context's `threads` is the exact count used
  logLevel: LlamaLogLevel.info,
  logger,
});
const model = await llama.loadModel({ modelPath: opt.model, gpuLayers: 0 });

const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : [];
const text = readFileSync(opt.textFile, "utf8");

if (opt.emitPrompt) {
  // The text (whitespace runs made single spaces) repeated until long enough,
  // cut to P tokens with BOS, and shortened by whole tokens until the cut text
  // tokenizes back to the same tokens (a cut inside a word may not).
  const base = text.replace(/\s+/g, " ").trim();
  if (model.tokenize(base).length === 0) usage("the prompt text has no tokens");
  let reps = base;
  while (bos.length + model.tokenize(reps).length < opt.p) reps += " " + base;
  let body = model.tokenize(reps).slice(0, opt.p - bos.length);
  let out;
  for (;;) {
    out = model.detokenize(body).replace(/^ /, "");
    const back = model.tokenize(out);
    if (back.length === body.length && back.every((t, i) => t === body[i])) break;
    body = body.slice(0, -1);
  }
  process.stdout.write(out);
  await model.dispose();
  await llama.dispose();
  process.exit(0);
}

// Benchmark: the text as given (what hearth gets), BOS added when the model
// wants one, as hearth does.
const prompt = [...bos, ...model.tokenize(text)];
if (prompt.length < 1) usage("the prompt has no tokens");

const contextSize = opt.c > 0 ? opt.c : prompt.length + opt.n;
if (prompt.length + opt.n > contextSize) usage(`-c ${contextSize} is smaller than the prompt (${prompt.length} tokens) + -n`);
const context = await model.createContext({
  contextSize,
  batchSize: Math.max(prompt.length, 512),   // the whole prompt in one batch
  sequences: 1,
  threads: { ideal: opt.t, min: opt.t },
  flashAttention,
  performanceTracking: true,  // for printTimings(): llama.cpp's own timers
});
const seq = context.getSequence();

const rel = llama.llamaCppRelease;
console.error(`llama.cpp: node-llama-cpp ${nlcVersion}, llama.cpp ${rel.repo}@${rel.release}, ` +
  `${llama.buildType} binary, gpu=${llama.gpu}, threads=${context.currentThreads}, ` +
  `ctx=${context.contextSize}, batch=${context.batchSize}, flash-attn=${context.flashAttention}`);
console.error(`llama.cpp system info: ${llama.systemInfo}`);

const now = () => process.hrtime.bigint();
const secs = (a, b) => Number(b - a) / 1e9;
async function once() {
  await seq.clearHistory();
  const it = seq.evaluate(prompt, { temperature: 0, yieldEogToken: true });
  const t0 = now();
  let r = await it.next();                 // prompt in one batch + first greedy token
  const t1 = now();
  let generated = r.done ? 0 : 1;
  while (generated < opt.n) {              // N-1 single-token decode + greedy steps
    r = await it.next();
    if (r.done) break;
    ++generated;
  }
  const t2 = now();
  await it.return();
  // llama.cpp's timers since the last print: the prompt decode ("prompt eval")
  // and the generated-1 single-token decodes ("eval").
  perfLines.length = 0;
  await context.printTimings();
  for (let i = 0; i < 100 && perfLines.length < 2; ++i) await new Promise((r) => setTimeout(r, 1));
  const ms = (re) => { for (const l of perfLines) { const m = re.exec(l); if (m) return Number(m[1]); } return NaN; };
  const ppMs = ms(/prompt eval time =\s*([\d.]+) ms/), tgMs = ms(/[^t] eval time =\s*([\d.]+) ms/);
  return {
    pp: prompt.length / secs(t0, t1), tg: generated / secs(t1, t2), generated,
    ppOwn: prompt.length / (ppMs / 1e3), tgOwn: generated / (tgMs / 1e3),
  };
}

{ // warm-up (page-in, thread pool and graph set-up), not reported
  const w = await once();
  console.error(`llama.cpp warm-up run (not reported): pp ${w.pp.toFixed(2)} t/s, tg ${w.tg.toFixed(2)} t/s`);
}
for (let i = 0; i < opt.r; ++i) {
  const { pp, tg, generated, ppOwn, tgOwn } = await once();
  console.log(`pp ${prompt.length} ${pp.toFixed(2)}`);
  console.log(`tg ${generated} ${tg.toFixed(2)}`);
  if (Number.isFinite(ppOwn) && Number.isFinite(tgOwn)) {
    console.log(`pp-own ${prompt.length} ${ppOwn.toFixed(2)}`);
    console.log(`tg-own ${generated} ${tgOwn.toFixed(2)}`);
  }
}
await context.dispose();
await model.dispose();
await llama.dispose();
