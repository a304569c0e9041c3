// The interactive side of `hearth run`, modelled on `ollama run`: a chat that
// keeps the conversation within the context window, with /commands and
// """ multi-line input.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <string>

#include "cli/conversation.h"
#include "core/clock.h"
#include "core/error.h"

namespace hearth::cli {

namespace {

enum class Read { Line, EndOfInput, Interrupted };

// Reads one line from standard input byte by byte, so that Ctrl-C (EINTR)
// and Ctrl-D are seen as such.
Read read_line(std::string& line) {
  line.clear();
  for (;;) {
    char c;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n == 1) {
      if (c == '\n') return Read::Line;
      line += c;
    } else if (n == 0) {
      return line.empty() ? Read::EndOfInput : Read::Line;
    } else if (errno == EINTR) {
      if (interrupted().exchange(false)) return Read::Interrupted;
    } else {
      return Read::EndOfInput;
    }
  }
}

void say(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

const char* kHelp =
    "Available commands:\n"
    "  /set parameter NAME VALUE  Set a parameter (num_predict, temperature, top_k, top_p, min_p,\n"
    "                             repeat_penalty, repeat_last_n, seed, stop)\n"
    "  /set system TEXT           Set the system message\n"
    "  /show info                 Show details of this model\n"
    "  /show template             Show the chat template\n"
    "  /show parameters           Show the parameters in use\n"
    "  /show system               Show the system message\n"
    "  /clear                     Forget the conversation\n"
    "  /bye                       Leave (or Ctrl-D)\n"
    "  /?, /help                  Show this help\n"
    "\n"
    "Use \"\"\" to begin and end a multi-line message.\n"
    "Ctrl-C stops a reply.\n";

class Repl {
 public:
  explicit Repl(Conversation& c) : c_(c) {}

  void run() {
    if (!c_.chat_template) say("This model has no chat template: each message is continued as plain text.\n");
    for (;;) {
      std::string input;
      const Read r = prompt_for(input);
      if (r == Read::EndOfInput) {
        say("\n");
        return;
      }
      if (r == Read::Interrupted) {
        say("\nUse Ctrl + d or /bye to exit.\n");
        continue;
      }
      if (input.empty()) continue;
      if (input[0] == '/') {
        if (!command(input)) return;
        continue;
      }
      try {
        reply(input);
      } catch (const Error& e) {
        say(std::string("error: ") + e.what() + "\n\n");
      }
    }
  }

 private:
  // Reads a message, joining """ ... """ blocks into one.
  Read prompt_for(std::string& input) {
    say(">>> ");
    std::string line;
    Read r = read_line(line);
    if (r != Read::Line) return r;
    if (line.rfind("\"\"\"", 0) != 0) {
      input = line;
      return r;
    }
    std::string text = line.substr(3);
    for (;;) {
      const size_t close = text.rfind("\"\"\"");
      if (close != std::string::npos && close + 3 == text.size()) {
        input = text.substr(0, close);
        return Read::Line;
      }
      say("... ");
      r = read_line(line);
      if (r != Read::Line) return r;
      text += "\n" + line;
    }
  }

  void reply(const std::string& input) {
    const int64_t start = now_ns();
    runtime::GenerateResult result;
    if (!c_.chat_template) {
      result = c_.stream(c_.raw_tokens(input));
    } else {
      c_.messages.push_back({{"role", "user"}, {"content", input}});
      try {
        result = c_.stream(fit_in_context());
      } catch (...) {
        c_.messages.erase(c_.messages.end() - 1);  // a failed turn leaves no trace
        throw;
      }
      c_.messages.push_back({{"role", "assistant"}, {"content", result.text}});
    }
    say("\n");
    if (result.reason == runtime::StopReason::ContextFull) say("(the context is full: the reply was cut off)\n");
    say("\n");
    if (c_.verbose) print_timings(now_ns() - start, 0, result.timings);
  }

  // Renders the conversation; while it leaves too little room for a reply,
  // drops the oldest turns (the system message stays) and says so.
  std::vector<int32_t> fit_in_context() {
    const int64_t n_ctx = c_.session.n_ctx();
    const int64_t room = c_.gen.num_predict > 0 ? std::min<int64_t>(c_.gen.num_predict, n_ctx / 2) : n_ctx / 4;
    int dropped = 0;
    for (;;) {
      std::vector<int32_t> tokens = c_.chat_tokens();
      if (static_cast<int64_t>(tokens.size()) + room <= n_ctx) {
        if (dropped) say("(context full: dropped the oldest " + std::to_string(dropped) + " message(s))\n");
        return tokens;
      }
      if (c_.messages.size() <= 1)
        fail("this message is too long for the context of ", n_ctx, " tokens (it needs ", tokens.size(),
             " plus room for a reply); raise the context size (-c)");
      // Drop the oldest message, and the reply that answered it.
      c_.messages.erase(c_.messages.begin());
      ++dropped;
      if (c_.messages.size() > 1 && c_.messages.front().value("role", std::string()) != "user") {
        c_.messages.erase(c_.messages.begin());
        ++dropped;
      }
    }
  }

  // Returns false to leave.
  bool command(const std::string& line) {
    std::istringstream in(line);
    std::string cmd, what;
    in >> cmd;
    if (cmd == "/bye" || cmd == "/exit") return false;
    if (cmd == "/?" || cmd == "/help") {
      say(kHelp);
    } else if (cmd == "/clear") {
      c_.messages = nlohmann::ordered_json::array();
      c_.session.truncate(c_.gen.seq, 0);
      say("Cleared session context\n");
    } else if (cmd == "/set") {
      in >> what;
      if (what == "parameter") {
        std::string name, value;
        in >> name;
        std::getline(in >> std::ws, value);
        try {
          set_parameter(name, value);
          say("Set parameter '" + name + "' to '" + value + "'\n");
        } catch (const std::exception& e) {
          say(std::string("error: ") + e.what() + "\n");
        }
      } else if (what == "system") {
        std::getline(in >> std::ws, c_.system);
        say("Set system message.\n");
      } else {
        say("Usage: /set parameter NAME VALUE | /set system TEXT\n");
      }
    } else if (cmd == "/show") {
      in >> what;
      show(what);
    } else {
      say("Unknown command '" + cmd + "'. Type /? for help\n");
    }
    return true;
  }

  void set_parameter(const std::string& name, const std::string& value) {
    if (value.empty()) fail("no value given for '", name, "'");
    auto& s = c_.gen.sampling;
    size_t used = 0;
    auto number = [&] {
      double v = std::stod(value, &used);
      if (used != value.size()) fail("'", value, "' is not a number");
      return v;
    };
    if (name == "num_predict") c_.gen.num_predict = static_cast<int64_t>(number());
    else if (name == "temperature") s.temperature = static_cast<float>(number());
    else if (name == "top_k") s.top_k = static_cast<int>(number());
    else if (name == "top_p") s.top_p = static_cast<float>(number());
    else if (name == "min_p") s.min_p = static_cast<float>(number());
    else if (name == "repeat_penalty") s.repeat_penalty = static_cast<float>(number());
    else if (name == "repeat_last_n") s.repeat_last_n = static_cast<int>(number());
    else if (name == "seed") s.seed = static_cast<uint64_t>(number()), s.random_seed = false;
    else if (name == "stop") c_.gen.stop.push_back(value);
    else fail("unknown parameter '", name, "'");
  }

  void show(const std::string& what) {
    const auto& hp = c_.model.hparams();
    const auto& s = c_.gen.sampling;
    std::ostringstream out;
    if (what == "info") {
      out << "  architecture        " << hp.arch << "\n"
          << "  parameters          " << c_.model.parameter_count() << "\n"
          << "  context length      " << hp.n_ctx_train << " (this session: " << c_.session.n_ctx() << ")\n"
          << "  embedding length    " << hp.n_embd << "\n"
          << "  layers              " << hp.n_layer << "\n"
          << "  vocabulary          " << hp.n_vocab << "\n"
          << "  chat template       " << (c_.chat_template ? "yes" : "no (raw completion)") << "\n";
    } else if (what == "template") {
      out << (c_.chat_template ? c_.chat_template->source : std::string("(no chat template)")) << "\n";
    } else if (what == "parameters") {
      out << "  num_predict         " << c_.gen.num_predict << "\n"
          << "  temperature         " << s.temperature << "\n"
          << "  top_k               " << s.top_k << "\n"
          << "  top_p               " << s.top_p << "\n"
          << "  min_p               " << s.min_p << "\n"
          << "  repeat_penalty      " << s.repeat_penalty << "\n"
          << "  repeat_last_n       " << s.repeat_last_n << "\n"
          << "  seed                " << (s.random_seed ? std::string("random") : std::to_string(s.seed)) << "\n";
      for (const auto& stop : c_.gen.stop) out << "  stop                \"" << stop << "\"\n";
    } else if (what == "system") {
      out << (c_.system.empty() ? std::string("(no system message)") : c_.system) << "\n";
    } else {
      out << "Usage: /show info | template | parameters | system\n";
    }
    say(out.str());
  }

  Conversation& c_;
};

}  // namespace

void run_repl(Conversation& conversation) { Repl(conversation).run(); }

}  // namespace hearth::cli
