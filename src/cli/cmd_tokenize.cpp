// `hearth tokenize MODEL [TEXT]`: the token ids of a text (the argument, or
// all of stdin as is). Only the vocabulary is read: MODEL may be a full model
// or a vocabulary-only GGUF file.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "tokenizer/vocab.h"

namespace hearth::cli {

namespace {

struct TokenizeOptions {
  std::string model;
  std::optional<std::string> text;
  bool no_bos = false;
  bool special = false;
  bool pieces = false;
};

void run(const TokenizeOptions& opts) {
  const gguf::File file = gguf::File::open(opts.model);
  const tokenizer::Vocab vocab = tokenizer::Vocab::from_gguf(file);

  std::string text;
  if (opts.text) {
    text = *opts.text;
  } else {
    std::cin >> std::noskipws;
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) fail("cannot read the text from stdin");
  }

  // The special tokens the vocabulary adds around a text (BOS; EOS where it
  // asks for it, e.g. BERT's [SEP]) unless --no-bos, as llama-tokenize does.
  const bool add_special = !opts.no_bos;
  std::vector<tokenizer::Token> ids = vocab.encode(text, add_special && vocab.add_bos(), opts.special);
  if (add_special && vocab.add_eos() && vocab.eos() >= 0) ids.push_back(vocab.eos());

  std::string out;
  if (opts.pieces) {
    for (tokenizer::Token id : ids) {
      out += std::to_string(id);
      out += '\t';
      out += vocab.piece(id);
      out += '\n';
    }
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ' ';
      out += std::to_string(ids[i]);
    }
    out += '\n';
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
    fail("cannot write to stdout");
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto opts = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Print the token ids of a text (reads only the model's vocabulary)");
  cmd->add_option("model", opts->model, "Path to a .gguf model or vocabulary file")->required();
  cmd->add_option("text", opts->text, "Text to tokenize (default: all of stdin, as is)");
  cmd->add_flag("--no-bos", opts->no_bos,
                "Add no special tokens around the text: no BOS (nor the EOS some vocabularies "
                "add, e.g. BERT's [SEP])");
  cmd->add_flag("--special", opts->special,
                "Recognise special (control) tokens written in the text, e.g. <|im_start|>");
  cmd->add_flag("--pieces", opts->pieces,
                "Print one token per line: id, a tab, and the vocabulary's string for it");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
