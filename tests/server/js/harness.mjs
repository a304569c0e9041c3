// A hearth server for the client-library tests: a temporary model store
// with the bundled stories260K model under two names (one with a chat
// template), a small embedding model written by `hearth synth`, and
// `hearth serve` on a free loopback port. HEARTH_BIN names the binary,
// HEARTH_SOURCE_DIR the repository.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.env.HEARTH_BIN;
const root = process.env.HEARTH_SOURCE_DIR;
if (!bin || !root) throw new Error("HEARTH_BIN and HEARTH_SOURCE_DIR must name the hearth binary and the repository");
export const storiesPath = join(root, "models", "stories260K.gguf");

// ChatML, as Qwen's and many other models' templates write it.
export const chatTemplate =
  "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function hearth(args, env) {
  return execFileSync(bin, args, { env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

// Starts a server; options.env adds to its environment, options.qwen adds
// the model "qwen-synth:chat".
export async function startServer(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-js-"));
  const models = join(dir, "models");
  const env = { HEARTH_MODELS: models };
  writeFileSync(join(dir, "Chat.modelfile"), `FROM ${storiesPath}\nTEMPLATE """${chatTemplate}"""\nPARAMETER stop "<|im_end|>"\n`);
  hearth(["create", "stories:chat", "-f", join(dir, "Chat.modelfile")], env);
  writeFileSync(join(dir, "Raw.modelfile"), `FROM ${storiesPath}\n`);
  hearth(["create", "stories", "-f", join(dir, "Raw.modelfile")], env);
  const bertFile = join(dir, "bert.gguf");
  hearth(["synth", "--like", "test-bert", "--type", "F32", "-o", bertFile], env);
  writeFileSync(join(dir, "Embed.modelfile"), `FROM ${bertFile}\n`);
  hearth(["create", "tiny-embed", "-f", join(dir, "Embed.modelfile")], env);

  // A Qwen2.5-0.5B-shaped model (random weights, Qwen2's real vocabulary),
  // for tests where the forward pass must cost more than the HTTP around it.
  if (options.qwen) {
    const qwenFile = join(dir, "qwen.gguf");
    hearth(["synth", "--like", "qwen2.5-0.5b", "--type", "Q4_0", "--vocab", join(root, "tests", "data", "ggml-vocab-qwen2.gguf"),
            "-o", qwenFile], env);
    writeFileSync(join(dir, "Qwen.modelfile"), `FROM ${qwenFile}\nTEMPLATE """${chatTemplate}"""\n`);
    hearth(["create", "qwen-synth:chat", "-f", join(dir, "Qwen.modelfile")], env);
  }

  const port = await freePort();
  const host = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["serve"], {
    env: { ...process.env, ...env, HEARTH_HOST: `127.0.0.1:${port}`, HEARTH_NUM_THREAD: "2", ...(options.env || {}) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  let exited = false;
  child.on("exit", () => (exited = true));
  for (let i = 0; ; ++i) {
    if (exited) throw new Error("hearth serve exited at start");
    try {
      if ((await fetch(host + "/")).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error("hearth serve did not start listening");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    env,
    hearth: (args) => hearth(args, env),
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
        await new Promise((r) => (exited ? r() : child.on("exit", r)));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
