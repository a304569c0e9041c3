#!/usr/bin/env python3
"""Renders chat templates with Python's jinja2 exactly as Hugging Face
transformers' apply_chat_template does: the oracle hearth's chat template
interpreter is tested against.

The environment is set up as transformers sets it up: an
ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the
loopcontrols extension and a {% generation %} tag (their AssistantTracker,
which renders its body unchanged); their tojson filter (json.dumps with
ensure_ascii=False, indent, separators, sort_keys) and their raise_exception
and strftime_now globals. The template receives messages, tools (None when
absent), documents (None), add_generation_prompt and the special tokens.

strftime_now formats the time in HEARTH_FIXED_DATE (YYYY-MM-DD[ HH:MM:SS])
when that is set, as hearth does, so that renderings are reproducible.

Usage:
  render_with_jinja2.py TEMPLATE CONVERSATION.json
      CONVERSATION.json: {"messages": [...], "tools": [...],
      "add_generation_prompt": bool, "bos_token": str, "eos_token": str}
      (all but messages optional). Prints the rendering and nothing else.
      Exit status 3 when the template calls raise_exception (its message on
      stderr), 4 for any other failure.
  render_with_jinja2.py --context TEMPLATE VARIABLES.json
      Renders with exactly the variables in VARIABLES.json.
  render_with_jinja2.py --batch JOBS.json
      JOBS.json: a list of {"template": path or "source": text, and
      "conversation": {...} or "context": {...}}. Prints one JSON list of
      {"status": "ok" | "raised" | "error", "output": str, "error": str}.
"""
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: renders its body (transformers
    uses it to track assistant tokens; the text is unchanged)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        call = self.call_method("_render_body")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def now():
    fixed = os.environ.get("HEARTH_FIXED_DATE")
    if fixed:
        return datetime.datetime.fromisoformat(fixed)
    return datetime.datetime.now()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return now().strftime(format)


def make_environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def conversation_variables(conv):
    """The keyword arguments apply_chat_template passes to render()."""
    variables = {
        "messages": conv["messages"],
        "tools": conv.get("tools"),
        "documents": None,
        "add_generation_prompt": bool(conv.get("add_generation_prompt", False)),
    }
    for key in ("bos_token", "eos_token"):
        if key in conv:
            variables[key] = conv[key]
    return variables


_compiled = {}


def render(env, source, variables):
    """Returns (status, output, error)."""
    try:
        if source not in _compiled:
            _compiled[source] = env.from_string(source)
        text = _compiled[source].render(**variables)
        text.encode("utf-8")
        return "ok", text, ""
    except jinja2.exceptions.TemplateError as e:
        # raise_exception raises the base class; subclasses are real failures.
        if type(e) is jinja2.exceptions.TemplateError:
            return "raised", "", str(e)
        return "error", "", f"{type(e).__name__}: {e}"
    except Exception as e:  # any other failure of the template counts the same
        return "error", "", f"{type(e).__name__}: {e}"


def read_text(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    env = make_environment()
    if len(argv) == 3 and argv[1] == "--batch":
        results = []
        for job in read_json(argv[2]):
            source = job["source"] if "source" in job else read_text(job["template"])
            if "context" in job:
                variables = job["context"]
            else:
                variables = conversation_variables(job["conversation"])
            status, output, error = render(env, source, variables)
            results.append({"status": status, "output": output, "error": error})
        sys.stdout.write(json.dumps(results, ensure_ascii=True))
        return 0
    if len(argv) == 4 and argv[1] == "--context":
        source, variables = read_text(argv[2]), read_json(argv[3])
    elif len(argv) == 3:
        source, variables = read_text(argv[1]), conversation_variables(read_json(argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 2
    status, output, error = render(env, source, variables)
    if status == "ok":
        sys.stdout.buffer.write(output.encode("utf-8"))
        return 0
    sys.stderr.write(error + "\n")
    return 3 if status == "raised" else 4


if __name__ == "__main__":
    sys.exit(main(sys.argv))
