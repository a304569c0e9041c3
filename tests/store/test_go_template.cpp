// ollama's Go chat templates: real templates of ollama's library rendered as
// ollama renders them (the expected prompts follow Go's text/template rules
// and ollama's template.Execute: legacy templates once per turn, cut after
// {{ .Response }}; .Messages templates once), and the language's pieces.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/go_template.h"
#include "store/prompt_template.h"

namespace hearth::store {
namespace {

using Json = nlohmann::ordered_json;

const std::string S = "You are a helpful assistant.";
const std::string U1 = "Hello, how are you?";
const std::string A1 = "I'm doing great. How can I help you today?";
const std::string U2 = "I'd like to show off how chat templating works!";

Json chat(bool with_system = true) {
  Json m = Json::array();
  if (with_system) m.push_back({{"role", "system"}, {"content", S}});
  m.push_back({{"role", "user"}, {"content", U1}});
  m.push_back({{"role", "assistant"}, {"content", A1}});
  m.push_back({{"role", "user"}, {"content", U2}});
  return m;
}

std::string render(const std::string& tmpl, const Json& messages, const Json& tools = Json::array()) {
  return GoTemplate::parse(tmpl).render_chat(messages, tools);
}

// Runs a template as ollama parses it: a template that never mentions
// .Response gets {{ .Response }} appended, empty here.
std::string run(const std::string& tmpl, Json data = Json::object()) {
  if (!data.contains("Response")) data["Response"] = "";
  return GoTemplate::parse(tmpl).execute(data);
}

// The template layers of ollama's library models.
const std::string kLlama3 =
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt "
    "}}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end "
    "}}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>";
const std::string kQwen2 =
    "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt }}<|im_start|>user\n{{ "
    ".Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>\n";
const std::string kPhi3 =
    "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{ if .Prompt }}<|user|>\n{{ .Prompt }}<|end|>\n{{ "
    "end }}<|assistant|>\n{{ .Response }}<|end|>\n";
const std::string kGemma =
    "<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ "
    ".Response }}<end_of_turn>\n";
const std::string kGemma3 = R"T({{- $system := .System }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}<start_of_turn>user
{{- if and (eq $i 1) $system }}
{{ $system }}
{{- end }}
{{ .Content }}<end_of_turn>
{{ else if eq .Role "assistant" }}<start_of_turn>model
{{ .Content }}<end_of_turn>
{{ end }}
{{- if $last }}<start_of_turn>model
{{ end }}
{{- end }}
)T";
const std::string kQwen25 = R"T({{- if .Messages }}
{{- if or .System .Tools }}<|im_start|>system
{{- if .System }}
{{ .System }}
{{- end }}
{{- if .Tools }}

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}<tool_call>
{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{ end }}</tool_call>
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }})T";

TEST(GoTemplateLibrary, Llama3RendersEachTurnAndEndsAtTheAnswer) {
  EXPECT_EQ(render(kLlama3, chat()),
            "<|start_header_id|>system<|end_header_id|>\n\n" + S +
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + U1 +
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" + A1 +
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + U2 +
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render(kLlama3, Json::array({{{"role", "user"}, {"content", "Hi"}}})),
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(GoTemplateLibrary, Qwen2) {
  EXPECT_EQ(render(kQwen2, chat()), "<|im_start|>system\n" + S + "<|im_end|>\n<|im_start|>user\n" + U1 +
                                        "<|im_end|>\n<|im_start|>assistant\n" + A1 +
                                        "<|im_end|>\n<|im_start|>user\n" + U2 + "<|im_end|>\n<|im_start|>assistant\n");
}

TEST(GoTemplateLibrary, Phi3) {
  EXPECT_EQ(render(kPhi3, chat()), "<|system|>\n" + S + "<|end|>\n<|user|>\n" + U1 + "<|end|>\n<|assistant|>\n" + A1 +
                                       "<|end|>\n<|user|>\n" + U2 + "<|end|>\n<|assistant|>\n");
  EXPECT_EQ(render(kPhi3, chat(false)), "<|user|>\n" + U1 + "<|end|>\n<|assistant|>\n" + A1 + "<|end|>\n<|user|>\n" +
                                            U2 + "<|end|>\n<|assistant|>\n");
}

TEST(GoTemplateLibrary, GemmaPutsTheSystemMessageInTheFirstUserTurn) {
  EXPECT_EQ(render(kGemma, chat()), "<start_of_turn>user\n" + S + " " + U1 +
                                        "<end_of_turn>\n<start_of_turn>model\n" + A1 +
                                        "<end_of_turn>\n<start_of_turn>user\n" + U2 +
                                        "<end_of_turn>\n<start_of_turn>model\n");
}

TEST(GoTemplateLibrary, Gemma3SeesTheWholeConversation) {
  EXPECT_EQ(render(kGemma3, chat()), "<start_of_turn>user\n" + S + "\n" + U1 +
                                         "<end_of_turn>\n<start_of_turn>model\n" + A1 +
                                         "<end_of_turn>\n<start_of_turn>user\n" + U2 +
                                         "<end_of_turn>\n<start_of_turn>model\n\n");
}

TEST(GoTemplateLibrary, Qwen25Chat) {
  EXPECT_EQ(render(kQwen25, chat()), "<|im_start|>system\n" + S + "<|im_end|>\n<|im_start|>user\n" + U1 +
                                         "<|im_end|>\n<|im_start|>assistant\n" + A1 +
                                         "<|im_end|>\n<|im_start|>user\n" + U2 +
                                         "<|im_end|>\n<|im_start|>assistant\n");
}

TEST(GoTemplateLibrary, Qwen25ToolsAndToolCalls) {
  const Json tools = Json::parse(R"([{"type":"function","function":{"name":"get_weather","description":"Get the weather",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])");
  const Json messages = Json::parse(R"([
      {"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},
      {"role":"tool","content":"sunny"}])");
  EXPECT_EQ(render(kQwen25, messages, tools),
            "<|im_start|>system\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            "{\"type\": \"function\", \"function\": {\"name\":\"get_weather\",\"description\":\"Get the weather\","
            "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}\n"
            "</tools>\n\nFor each function call, return a json object with function name and arguments within "
            "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
            "<args-json-object>}\n</tool_call><|im_end|>\n"
            "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n"
            "</tool_call><|im_end|>\n"
            "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
}

TEST(GoTemplateChat, DefaultTemplateGetsAResponseAppended) {
  // ollama's default template for imported models: the turns run together.
  EXPECT_EQ(render("{{ .Prompt }}", chat(false)), U1 + A1 + U2);
  EXPECT_EQ(GoTemplate::parse("{{ .Prompt }}").vars(), (std::vector<std::string>{"prompt", "response"}));
}

TEST(GoTemplateChat, ConsecutiveMessagesOfOneRoleAreMerged) {
  const Json m = Json::parse(R"([{"role":"user","content":"a"},{"role":"user","content":"b"},
                                 {"role":"tool","content":"t1"},{"role":"tool","content":"t2"}])");
  EXPECT_EQ(render("{{ range .Messages }}[{{ .Role }}:{{ .Content }}]{{ end }}", m), "[user:a\n\nb][tool:t1][tool:t2]");
}

TEST(GoTemplateChat, SystemJoinsAllSystemMessages) {
  const Json m = Json::parse(R"([{"role":"system","content":"one"},{"role":"user","content":"u"},
                                 {"role":"system","content":"two"}])");
  EXPECT_EQ(render("{{ .System }}|{{ len .Messages }}", m), "one\n\ntwo|3");
}

TEST(GoTemplateChat, AnAssistantPrefixIsContinued) {
  const Json m = Json::parse(R"([{"role":"user","content":"Q"},{"role":"assistant","content":"The answer is"}])");
  EXPECT_EQ(render(kLlama3, m), "<|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>"
                                "<|start_header_id|>assistant<|end_header_id|>\n\nThe answer is");
}

TEST(GoTemplateLanguage, TrimMarkersAndComments) {
  EXPECT_EQ(run("a  \n {{- \"b\" -}} \n\t c"), "abc");
  EXPECT_EQ(run("a {{/* a comment */}} b"), "a  b");
  EXPECT_EQ(run("a {{- /* a comment */ -}} b"), "ab");
  EXPECT_EQ(run("{{ 3 }}{{-3}}"), "3-3");  // "-3" is a number, not a trim marker
}

TEST(GoTemplateLanguage, MissingKeysPrintNoValue) {
  EXPECT_EQ(run("[{{ .Missing }}]"), "[<no value>]");
  EXPECT_EQ(run("{{ if .Missing }}yes{{ else }}no{{ end }}"), "no");
}

TEST(GoTemplateLanguage, Conditions) {
  const Json d = {{"A", "x"}, {"N", 0}, {"L", Json::array()}, {"M", Json::object({{"k", 1}})}};
  EXPECT_EQ(run("{{ if .A }}1{{ end }}{{ if .N }}2{{ end }}{{ if .L }}3{{ end }}{{ if .M }}4{{ end }}", d), "14");
  EXPECT_EQ(run("{{ if eq .A \"y\" }}y{{ else if eq .A \"x\" }}x{{ else }}z{{ end }}", d), "x");
  EXPECT_EQ(run("{{ if and .A .N }}1{{ end }}{{ if or .N .A }}2{{ end }}{{ if not .N }}3{{ end }}", d), "23");
  EXPECT_EQ(run("{{ or .N .L \"fallback\" }}|{{ and .A .N }}", d), "fallback|0");
  EXPECT_EQ(run("{{ if ne .A \"x\" }}ne{{ else }}eq{{ end }}{{ if eq .A \"q\" \"x\" }} any{{ end }}", d), "eq any");
  EXPECT_EQ(run("{{ if lt 1 2 }}a{{ end }}{{ if ge 2 2.0 }}b{{ end }}{{ if gt \"b\" \"a\" }}c{{ end }}"), "abc");
  EXPECT_EQ(run("{{ with .A }}<{{ . }}>{{ else }}none{{ end }}{{ with .N }}{{ . }}{{ else }} none{{ end }}", d),
            "<x> none");
}

TEST(GoTemplateLanguage, RangeVariablesBreakContinue) {
  const Json d = {{"L", {"a", "b", "c", "d"}}, {"M", {{"z", 1}, {"a", 2}}}};
  EXPECT_EQ(run("{{ range $i, $e := .L }}{{ $i }}{{ $e }}{{ end }}", d), "0a1b2c3d");
  EXPECT_EQ(run("{{ range $e := .L }}{{ $e }}{{ end }}", d), "abcd");
  EXPECT_EQ(run("{{ range .L }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ if eq . \"d\" }}{{ break }}{{ end }}{{ . }}{{ end }}", d),
            "ac");
  EXPECT_EQ(run("{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}", d), "a=2;z=1;");  // map keys in order
  EXPECT_EQ(run("{{ range .Missing }}x{{ else }}empty{{ end }}", d), "empty");
  EXPECT_EQ(run("{{ range 3 }}{{ . }}{{ end }}"), "012");
  EXPECT_EQ(run("{{ $n := 0 }}{{ range .L }}{{ $n = . }}{{ end }}{{ $n }}", d), "d");
  EXPECT_EQ(run("{{ range .L }}{{ $.X }}{{ end }}", {{"L", {1, 2}}, {"X", "!"}}), "!!");
}

TEST(GoTemplateLanguage, Functions) {
  const Json d = {{"L", {"a", "b", "c"}}, {"S", "hello"}, {"O", {{"b", 2}, {"a", "<x>"}}}};
  EXPECT_EQ(run("{{ len .L }} {{ len .S }} {{ index .L 1 }} {{ index .O \"b\" }}", d), "3 5 b 2");
  EXPECT_EQ(run("{{ slice .L 1 }} {{ slice .S 1 3 }} {{ len (slice .L 2) }}", d), "[\"b\",\"c\"] el 1");
  EXPECT_EQ(run("{{ print 1 2 \"a\" 3 }}|{{ println \"x\" 1 }}|{{ printf \"%s-%d-%v-%q%%\" \"s\" 4 true \"q\" }}", d),
            "1 2a3|x 1\n|s-4-true-\"q\"%");
  EXPECT_EQ(run("{{ json .O }} {{ .S | len }} {{ \"x\" | printf \"%s%s\" \"y\" }}", d), "{\"b\":2,\"a\":\"\\u003cx\\u003e\"} 5 yx");
  EXPECT_EQ(run("{{ (index .L 0) }}{{ `raw\\n` }}{{ 'A' }}", d), "araw\\n65");
}

TEST(GoTemplateErrors, UnsupportedConstructsAreNamed) {
  auto message = [](const std::string& t) {
    try {
      (void)GoTemplate::parse(t);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  EXPECT_NE(message("{{ define \"x\" }}a{{ end }}").find("{{define}}"), std::string::npos);
  EXPECT_NE(message("{{ template \"x\" . }}").find("{{template}}"), std::string::npos);
  EXPECT_NE(message("{{ block \"x\" . }}{{ end }}").find("{{block}}"), std::string::npos);
  EXPECT_NE(message("{{ html .X }}").find("'html'"), std::string::npos);
  EXPECT_NE(message("{{ currentDate }}").find("function \"currentDate\" not defined"), std::string::npos);
  EXPECT_NE(message("line one\n{{ if .X }}").find("line 2"), std::string::npos);
  EXPECT_NE(message("{{ end }}").find("unexpected {{end}}"), std::string::npos);
  EXPECT_NE(message("{{ $x }}").find("undefined variable \"$x\""), std::string::npos);
  EXPECT_NE(message("{{ break }}").find("outside {{range}}"), std::string::npos);
  EXPECT_NE(message("{{ .X ").find("unclosed action"), std::string::npos);
  EXPECT_NE(message("{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}").find("nested too deep"),
            std::string::npos);
  EXPECT_EQ(message(kQwen25), "parsed");
}

TEST(GoTemplateErrors, ExecutionErrorsNameTheLine) {
  EXPECT_THROW(run("\n{{ index .L 5 }}", {{"L", {1}}}), Error);
  try {
    run("a\n{{ eq .S 1 }}", {{"S", "x"}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("incompatible types"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run("{{ .S.X }}", {{"S", "x"}}), Error);
  EXPECT_THROW(run("{{ .Missing.X }}"), Error);  // Go: a nil pointer
}

TEST(TemplateDialect, TellsGoFromJinja) {
  EXPECT_TRUE(is_go_template(kLlama3));
  EXPECT_TRUE(is_go_template(kQwen25));
  EXPECT_TRUE(is_go_template("{{- range .Messages }}{{ end }}"));
  EXPECT_TRUE(is_go_template("{{ $x := 1 }}"));
  EXPECT_FALSE(is_go_template("{% for m in messages %}{{ m.content }}{% endfor %}"));
  EXPECT_FALSE(is_go_template("{{ bos_token }}{{ messages[0]['content'] }}"));
  EXPECT_FALSE(is_go_template("{# comment #}{{ .x }}"));
  EXPECT_FALSE(is_go_template("plain text"));
}

TEST(TemplateDialect, TheGgufsJinjaWinsOverAGoLayerButNotOverAJinjaLayer) {
  const std::string jinja = "{% for m in messages %}{{ m.content }}{% endfor %}";
  auto t = template_in_effect(kLlama3, jinja);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->go);
  EXPECT_EQ(t->source, jinja);
  t = template_in_effect(kLlama3, std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->go);
  t = template_in_effect("{{ messages[0]['content'] }}!", jinja);
  EXPECT_EQ(t->source, "{{ messages[0]['content'] }}!");
  EXPECT_FALSE(template_in_effect(std::nullopt, std::nullopt));
  EXPECT_EQ(render_prompt(*template_in_effect(kPhi3, std::nullopt), Json::array({{{"role", "user"}, {"content", "x"}}}),
                          Json(), "<s>", "</s>"),
            "<|user|>\nx<|end|>\n<|assistant|>\n");
  EXPECT_THROW(check_prompt_template(prompt_template("{{ template \"a\" }}")), Error);
}

}  // namespace
}  // namespace hearth::store
