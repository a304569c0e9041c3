// The template language, feature by feature. Expected strings follow
// jinja2's documented semantics as Hugging Face configures it (trim_blocks,
// lstrip_blocks, loopcontrols, Python value semantics); test_oracle.cpp checks
// the same ground against jinja2 itself.
#include <gtest/gtest.h>

#include "chat/chat_test_util.h"

namespace hearth::chat::testing {
namespace {

TEST(ChatLanguage, TextAndOutput) {
  EXPECT_EQ(render("plain text"), "plain text");
  EXPECT_EQ(render("{{ 'a' }}{{ \"b\" }}{{ 1 }}{{ 1.5 }}"), "ab11.5");
  EXPECT_EQ(render("{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}"), "True True False None None");
  EXPECT_EQ(render("{{ missing }}|{{ n }}"), "|None");
  EXPECT_EQ(render("{{ 'a' 'b' \"c\" }}"), "abc");
  EXPECT_EQ(render("{{ 1, 2 }}"), "(1, 2)");
}

TEST(ChatLanguage, PythonReprOfContainers) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.0, {'k': (1,)}] }}"), "[1, 'a', None, True, 1.0, {'k': (1,)}]");
  EXPECT_EQ(render("{{ {} }}{{ [] }}{{ () }}{{ (1, 2) }}"), "{}[]()(1, 2)");
  EXPECT_EQ(render("{{ [\"it's\", 'say \"hi\"', 'tab\\tnl\\n', 'é'] }}"),
            "[\"it's\", 'say \"hi\"', 'tab\\tnl\\n', 'é']");
  EXPECT_EQ(render("{{ msgs[0] }}"), "{'role': 'user', 'content': 'hi'}");
}

TEST(ChatLanguage, Numbers) {
  EXPECT_EQ(render("{{ 1/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 7.5 // 2 }}"), "0.5 2.0 3 -4 2 3.0");
  EXPECT_EQ(render("{{ 1e20 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 0.1 + 0.2 }}"),
            "1e+20 1e+16 1000000000000000.0 0.0001 1e-05 0.30000000000000004");
  EXPECT_EQ(render("{{ 2**3**2 }} {{ -2**2 }} {{ 2 ** -1 }} {{ 2 * 3 ** 2 }}"), "64 4 0.5 18");
  EXPECT_EQ(render("{{ 1 + 2 * 3 - 4 / 2 }} {{ true + true }} {{ 10 - 2.5 }}"), "5.0 2 7.5");
  EXPECT_EQ(render("{{ 0x1F }} {{ 0b101 }} {{ 0o17 }} {{ 1_000 }} {{ 2e3 }}"), "31 5 15 1000 2000.0");
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ true == 1 }} {{ [1] == (1,) }}"), "True True False");
}

TEST(ChatLanguage, StringsAndConcatenation) {
  EXPECT_EQ(render("{{ 'a' ~ none ~ 1 ~ missing }}"), "aNone1");
  EXPECT_EQ(render("{{ 'a' + 'b' }}{{ 'ab' * 2 }}{{ 2 * 'x' }}"), "abababxx");
  EXPECT_EQ(render("{{ '\\u00e9\\x41\\101' }}{{ '\\q' }}"), "éAA\\q");
  EXPECT_EQ(render("{{ s[1:] }} {{ s|length }} {{ s[0] }} {{ s[-1] }}"), "éllo 5 h o");
  EXPECT_EQ(render("{{ 'abc'[::-1] }} {{ 'abcdef'[-2:] }} {{ 'abcdef'[1:5:2] }}"), "cba ef bd");
  EXPECT_EQ(render("{{ '%s-%d' % ('a', 3) }} {{ '%5.2f|%-4d|%x' % (3.14159, 7, 255) }}"), "a-3  3.14|7   |ff");
  EXPECT_EQ(render("{{ '{} {}'.format(1, 'b') }} {{ '{0}-{x}'.format(5, x='y') }}"), "1 b 5-y");
}

TEST(ChatLanguage, ListsDictsAndSlices) {
  EXPECT_EQ(render("{{ l[0] }}{{ l[-1] }}{{ l[1:] }}{{ l[::-1] }}{{ l[::2] }}{{ l.1 }}"), "13[2, 3][3, 2, 1][1, 3]2");
  EXPECT_EQ(render("{{ [1] + [2] }}{{ [0] * 3 }}"), "[1, 2][0, 0, 0]");
  EXPECT_EQ(render("{{ d.a }}{{ d['a'] }}{{ d.get('a') }}{{ d.get('zz') }}{{ d.get('zz', 5) }}"), "111None5");
  EXPECT_EQ(render("{{ d['items'] }}|{{ d.zz }}|{{ l[10] }}|{{ n.foo }}"), "2|||");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;items=2;");
  EXPECT_EQ(render("{{ d.keys()|list }}{{ d.values()|list }}"), "['a', 'items'][1, 2]");
  EXPECT_EQ(render("{{ {'a': {'b': 1}}['a'] }}"), "{'b': 1}");
}

TEST(ChatLanguage, Comparisons) {
  EXPECT_EQ(render("{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ (1, 2) <= (1, 2) }}"),
            "TrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 'ab' in 'cabd' }}{{ 1 in l }}{{ 5 not in l }}{{ 'a' in d }}{{ 'zz' not in d }}"),
            "TrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 'x' in missing }}{{ missing == missing }}{{ missing != 1 }}"), "FalseTrueTrue");
}

TEST(ChatLanguage, LogicAndConditionals) {
  EXPECT_EQ(render("{{ 0 or 'a' }}{{ 1 and 'b' }}{{ '' or none }}{{ none and 1 }}"), "abNoneNone");
  EXPECT_EQ(render("{{ not 1 == 2 }}{{ not missing is defined }}"), "TrueTrue");
  EXPECT_EQ(render("{{ 1 if true else 2 }}{{ 1 if false else 2 }}[{{ 1 if false }}]"), "12[]");
  EXPECT_EQ(render("{% if e %}a{% elif l %}b{% else %}c{% endif %}"), "b");
  EXPECT_EQ(render("{% if '' or {} or [] or 0 or 0.0 or none or missing %}t{% else %}f{% endif %}"), "f");
}

TEST(ChatLanguage, Tests) {
  EXPECT_EQ(render("{{ missing is defined }}{{ missing is undefined }}{{ l is not defined }}{{ d.zz is defined }}"),
            "FalseTrueFalseFalse");
  EXPECT_EQ(render("{{ none is none }}{{ 's' is string }}{{ 1 is string }}{{ 1 is number }}{{ true is number }}"),
            "TrueTrueFalseTrueTrue");
  EXPECT_EQ(render("{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ true is boolean }}"),
            "TrueFalseTrueTrue");
  EXPECT_EQ(render("{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}"), "TrueFalseTrueFalse");
  EXPECT_EQ(render("{{ d is mapping }}{{ l is mapping }}{{ l is sequence }}{{ 's' is iterable }}{{ 3 is iterable }}"),
            "TrueFalseTrueTrueFalse");
  EXPECT_EQ(render("{{ missing is iterable }}{{ missing is sequence }}"), "TrueTrue");
  EXPECT_EQ(render("{{ 5 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}"),
            "TrueTrueTrueFalse");
  EXPECT_EQ(render("{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 1 is in [1, 2] }}"),
            "TrueTrueTrueFalseTrue");
  EXPECT_EQ(render("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'x' if 'a' is string else 'y' }}"), "TrueTruex");
}

TEST(ChatLanguage, ForLoops) {
  EXPECT_EQ(render("{% for i in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }};{% endfor %}"),
            "10TrueFalse;21FalseFalse;32FalseTrue;");
  EXPECT_EQ(render("{% for i in l %}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }};{% endfor %}"),
            "323;213;103;");
  EXPECT_EQ(render("{% for i in l %}{{ loop.previtem }}<{{ i }}>{{ loop.nextitem }};{% endfor %}"),
            "<1>2;1<2>3;2<3>;");
  EXPECT_EQ(render("{% for i in l %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "aba");
  EXPECT_EQ(render("{% for i in [1, 1, 2] %}{% if loop.changed(i) %}{{ i }}{% endif %}{% endfor %}"), "12");
  EXPECT_EQ(render("{% for i in e %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for i in missing %}x{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(render("{% for i in l if i > 1 %}{{ loop.index }}/{{ loop.length }}{% endfor %}"), "1/22/2");
  EXPECT_EQ(render("{% for i in l if i > 5 %}x{% else %}filtered out{% endfor %}"), "filtered out");
  EXPECT_EQ(render("{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %}"), "1234");
  EXPECT_EQ(render("{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}"), "123");
  EXPECT_EQ(render("{% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}{% for k in d %}{{ k }}{% endfor %}"),
            "a1items2aitems");
  EXPECT_EQ(render("{% for c in 'hé' %}[{{ c }}]{% endfor %}"), "[h][é]");
  EXPECT_EQ(render("{% for m in msgs[::-1] %}{{ m.role }} {% endfor %}"), "assistant user ");
  EXPECT_EQ(render("{% for i in l %}{{ loop.index }}{% for j in [7] %}{{ loop.index }}{% endfor %}{% endfor %}"),
            "112131");
}

TEST(ChatLanguage, BreakAndContinue) {
  EXPECT_EQ(render("{% for i in l %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}"), "13");
  EXPECT_EQ(render("{% for i in l %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}"), "1");
  EXPECT_EQ(render("{% for i in l %}{% for j in l %}{% if j > 1 %}{% break %}{% endif %}{{ i }}{{ j }}{% endfor %}"
                   "{% endfor %}"),
            "112131");
}

TEST(ChatLanguage, Scoping) {
  // A loop body gets a fresh scope each iteration; assignments do not leak.
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}"), "12121");
  // if does not open a scope.
  EXPECT_EQ(render("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");
  // Namespaces carry values out of loops.
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in l %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.a = 'x' %}{{ ns.a }}{{ ns.b }}{{ ns }}"),
            "x<Namespace {'a': 'x'}>");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}"), "12(1, 2)");
  EXPECT_EQ(render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"), "3[]");
}

TEST(ChatLanguage, BlockSetAndFilterBlocks) {
  EXPECT_EQ(render("{% set x %}  Hello {{ s }} {% endset %}[{{ x }}]"), "[  Hello héllo ]");
  EXPECT_EQ(render("{% set x | upper %}abc{% endset %}{{ x }}"), "ABC");
  EXPECT_EQ(render("{% filter upper %}a{{ 'b' }}{% endfilter %}"), "AB");
  EXPECT_EQ(render("{% filter trim | upper %}  a  {% endfilter %}"), "A");
}

TEST(ChatLanguage, Macros) {
  EXPECT_EQ(render("{% macro m(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(b=5, a=4) }}[{{ m() }}]"),
            "1245[2]");
  EXPECT_EQ(render("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, z=4) }}"),
            "1(2, 3){'z': 4}");
  EXPECT_EQ(render("{% macro m(a) %}[{{ caller() }}]{% endmacro %}{% call m(1) %}inner{% endcall %}"), "[inner]");
  EXPECT_EQ(render("{% macro m(a) %}[{{ caller(a) }}]{% endmacro %}{% call(v) m(7) %}got {{ v }}{% endcall %}"),
            "[got 7]");
  // A macro sees the template's variables as they are when it is called.
  EXPECT_EQ(render("{% set q = 5 %}{% macro m() %}{{ q }}{% endmacro %}{% set q = 6 %}{{ m() }}"), "6");
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"), "321");
}

TEST(ChatLanguage, WhitespaceControl) {
  EXPECT_EQ(render("x {{- 'y' -}} z"), "xyz");
  EXPECT_EQ(render("a {#- c -#} b"), "ab");
  EXPECT_EQ(render("a\n{%- if true -%}\n b \n{%- endif -%}\nc"), "abc");
  EXPECT_EQ(render("{%- for i in l -%}\n  {{ i }}\n{%- endfor -%}\nend"), "123end");
  EXPECT_EQ(render("x {{+ 'y' }} z"), "x y z");
}

TEST(ChatLanguage, TrimAndLstripBlocks) {
  // trim_blocks drops the newline after a block tag; lstrip_blocks the
  // indentation before it.
  EXPECT_EQ(render("a\n{% if true %}\nb\n{% endif %}\nc\n"), "a\nb\nc");
  EXPECT_EQ(render("a\n  {% if true %}\n  b\n  {% endif %}\nc"), "a\n  b\nc");
  EXPECT_EQ(render("{% for i in l %}\n  {{ i }}\n{% endfor %}\n"), "  1\n  2\n  3\n");
  // Not for {{ }}, not when other text precedes the tag on its line, not with +.
  EXPECT_EQ(render("  {{ 1 }}\n"), "  1");
  EXPECT_EQ(render("a  {% if true %}b{% endif %}  c"), "a  b  c");
  EXPECT_EQ(render("a\n  {%+ if true %}\n  b\n  {% endif +%}\nc"), "a\n    b\n\nc");
  EXPECT_EQ(render("\t {# comment #}\nafter"), "after");
  // keep_trailing_newline is off: one final newline is dropped.
  EXPECT_EQ(render("trailing\n\n"), "trailing\n");
  EXPECT_EQ(render("line1\r\nline2\rline3"), "line1\nline2\nline3");
}

TEST(ChatLanguage, RawAndComments) {
  EXPECT_EQ(render("{% raw %}{{ not parsed }}{% endraw %}"), "{{ not parsed }}");
  EXPECT_EQ(render("{# multi\nline #}x"), "x");
  EXPECT_EQ(render("{%generation%}gen{{ 1 }}{%endgeneration%}"), "gen1");
}

TEST(ChatLanguage, StringFilters) {
  EXPECT_EQ(render("[{{ t|trim }}][{{ 'xxhixx'|trim('x') }}]"), "[hi there][hi]");
  EXPECT_EQ(render("{{ 'hello world'|title }} {{ 'hello-world foo(bar)'|title }} {{ \"they're\"|title }}"),
            "Hello World Hello-World Foo(Bar) They're");
  EXPECT_EQ(render("{{ 'hello WORLD'|capitalize }} {{ 'ABC'|lower }} {{ 'abc'|upper }} {{ 'héllo'|upper }}"),
            "Hello world abc ABC HÉLLO");
  EXPECT_EQ(render("{{ 'a b'|replace(' ', '_') }} {{ 'aaaa'|replace('a', 'b', 2) }}"), "a_b bbaa");
  EXPECT_EQ(render("[{{ 'abc'|center(9) }}][{{ 'abc'|center(8) }}]"), "[   abc   ][  abc   ]");
  EXPECT_EQ(render("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}"),
            "a\n  b\n\n  c|  a\n  b|a\n  \n  b");
  EXPECT_EQ(render("{{ \"<a href='x'>&</a>\"|e }}"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(render("{{ 'one two  three'|wordcount }} {{ 'foo bar baz qux'|truncate(9, True) }}"), "3 foo ba...");
  EXPECT_EQ(render("{{ '%.2f'|format(3.14159) }} {{ none|string }} {{ [1]|string }}"), "3.14 None [1]");
}

TEST(ChatLanguage, SequenceFilters) {
  EXPECT_EQ(render("{{ l|first }}{{ l|last }}{{ e|first }}{{ 'xyz'|first }}{{ l|length }}{{ d|count }}"), "13x32");
  EXPECT_EQ(render("{{ l|join }} {{ l|join('|') }} {{ msgs|join(', ', attribute='role') }}"), "123 1|2|3 user, assistant");
  EXPECT_EQ(render("{{ l|sum }}{{ l|max }}{{ l|min }}{{ l|reverse|list }}{{ 'abc'|reverse }}"), "631[3, 2, 1]cba");
  EXPECT_EQ(render("{{ ['b', 'A', 'c']|sort }}{{ ['b', 'A', 'c']|sort(case_sensitive=true) }}{{ [3, 1, 2]|sort(reverse=true) }}"),
            "['A', 'b', 'c']['A', 'b', 'c'][3, 2, 1]");
  EXPECT_EQ(render("{{ ['a', 'A', 'b']|unique|list }}{{ [1, 2, 2, 3]|unique|list }}"), "['a', 'b'][1, 2, 3]");
  EXPECT_EQ(render("{{ msgs|map(attribute='role')|join(',') }} {{ l|map('string')|join }}"), "user,assistant 123");
  EXPECT_EQ(render("{{ msgs|selectattr('role', 'equalto', 'user')|list|length }}"), "1");
  EXPECT_EQ(render("{{ msgs|rejectattr('role', 'equalto', 'user')|map(attribute='content')|first }}"), "yo");
  EXPECT_EQ(render("{{ [0, 1, '', 'x']|select|list }}{{ l|select('odd')|list }}{{ l|reject('odd')|list }}"),
            "[1, 'x'][1, 3][2]");
  EXPECT_EQ(render("{{ d|dictsort }}{{ {'b': 1, 'a': 2}|dictsort(by='value') }}"),
            "[('a', 1), ('items', 2)][('b', 1), ('a', 2)]");
  EXPECT_EQ(render("{{ l|batch(2)|list }}{{ d|items|list }}{{ missing|default('dflt') }}{{ ''|default('x', true) }}"),
            "[[1, 2], [3]][('a', 1), ('items', 2)]dfltx");
  EXPECT_EQ(render("{{ [{'a': {'b': 5}}]|map(attribute='a.b')|list }}"), "[5]");
}

TEST(ChatLanguage, Generators) {
  // select/map/... return one-shot generators as in jinja2: always true, no
  // length, consumed by iteration.
  EXPECT_EQ(render("{% if l|select('gt', 10) %}true{% endif %}"), "true");
  EXPECT_EQ(render("{% set g = l|select('odd') %}{{ g|list }}{{ g|list }}"), "[1, 3][]");
  EXPECT_THROW(render("{{ l|select('odd')|length }}"), TemplateError);
}

TEST(ChatLanguage, NumberFilters) {
  EXPECT_EQ(render("{{ '3'|int + 1 }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ 3.9|int }}"), "4 3 0 5 3");
  EXPECT_EQ(render("{{ '2.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ -3|abs }}"), "2.5 0.0 3.0 3");
  EXPECT_EQ(render("{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 3.14159|round(2, 'floor') }} {{ 7|round }}"),
            "2.0 4.0 2.67 3.14 7");
}

TEST(ChatLanguage, ToJson) {
  EXPECT_EQ(render("{{ d|tojson }}"), "{\"a\": 1, \"items\": 2}");
  EXPECT_EQ(render("{{ {'a': [1, {'b': none}], 'c': []}|tojson(indent=2) }}"),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": []\n}");
  EXPECT_EQ(render("{{ 'é\\n\"\\\\'|tojson }} {{ 'é😀'|tojson(ensure_ascii=true) }}"),
            "\"é\\n\\\"\\\\\" \"\\u00e9\\ud83d\\ude00\"");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }} {{ [1, 2]|tojson(separators=(',', ':')) }}"),
            "{\"a\": 2, \"b\": 1} [1,2]");
  EXPECT_EQ(render("{{ 1.5|tojson }}{{ true|tojson }}{{ none|tojson }}{{ (1, 2)|tojson }}"), "1.5truenull[1, 2]");
}

TEST(ChatLanguage, StringMethods) {
  EXPECT_EQ(render("{{ 'abc'.startswith('a') }}{{ 'abc'.startswith(('x', 'ab')) }}{{ 'abc'.endswith('b') }}"),
            "TrueTrueFalse");
  EXPECT_EQ(render("[{{ t.strip() }}][{{ t.lstrip() }}][{{ t.rstrip() }}][{{ '\\n\\nx\\n'.lstrip('\\n') }}]"),
            "[hi there][hi there  ][  hi there][x\n]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }}{{ '  a  b '.split() }}{{ 'a b c'.split(none, 1) }}{{ 'a b c'.rsplit(' ', 1) }}"),
            "['a', 'b', '', 'c']['a', 'b']['a', 'b c']['a b', 'c']");
  EXPECT_EQ(render("{{ 'x</think>y'.split('</think>')[-1] }}{{ 'ab'.upper() }}{{ 'AB'.lower() }}{{ 'a b'.title() }}"),
            "yABabA B");
  EXPECT_EQ(render("{{ 'abcabc'.find('c') }}{{ 'abcabc'.rfind('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.count('bc') }}"),
            "25-12");
  EXPECT_EQ(render("{{ '-'.join(['a', 'b']) }}{{ 'a/b'.replace('/', '|') }}{{ '42'.zfill(5) }}{{ 'a=b'.partition('=') }}"),
            "a-ba|b00042('a', '=', 'b')");
}

TEST(ChatLanguage, Globals) {
  EXPECT_EQ(render("{{ range(3)|list }}{{ range(1, 10, 3)|list }}{{ range(5, 0, -2)|list }}"),
            "[0, 1, 2][1, 4, 7][5, 3, 1]");
  EXPECT_EQ(render("{{ dict(a=1, b=2) }}{{ namespace(x=1).x }}"), "{'a': 1, 'b': 2}1");
  EXPECT_EQ(render("{% set j = joiner(', ') %}{% for i in l %}{{ j() }}{{ i }}{% endfor %}"), "1, 2, 3");
  EXPECT_THROW(render("{{ raise_exception('no') }}"), TemplateRaised);
}

TEST(ChatLanguage, RaiseExceptionCarriesTheMessage) {
  try {
    render("{% if true %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}");
    FAIL() << "no exception";
  } catch (const TemplateRaised& e) {
    EXPECT_EQ(e.message(), "Conversation roles must alternate");
  }
}

TEST(ChatLanguage, StrftimeNowHonoursFixedDate) {
  ::setenv("HEARTH_FIXED_DATE", "2024-07-26", 1);
  EXPECT_EQ(render("{{ strftime_now('%B %d, %Y') }}|{{ strftime_now('%Y-%m-%d %A') }}"), "July 26, 2024|2024-07-26 Friday");
  ::unsetenv("HEARTH_FIXED_DATE");
  EXPECT_EQ(render("{{ strftime_now('%Y')|length }}"), "4");
}

TEST(ChatLanguage, SandboxRefusesMutation) {
  EXPECT_EQ(render("[{{ l.append }}]"), "[]");
  EXPECT_THROW(render("{{ l.append(4) }}"), TemplateError);
  EXPECT_THROW(render("{% set x = d.update({'b': 1}) %}"), TemplateError);
}

TEST(ChatLanguage, ApplyTemplateBuildsHuggingFaceContext) {
  const auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  const std::string src =
      "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<assistant>{% endif %}{{ eos_token }}"
      "|{{ tools is none }}{{ tools is defined }}{{ documents is none }}";
  EXPECT_EQ(apply_template(src, messages, nullptr, true, "<s>", "</s>"), "<s><user>Hi<assistant></s>|TrueTrueTrue");
  const auto tools = nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  EXPECT_EQ(apply_template("{{ tools[0].function.name }}{{ tools|tojson }}", messages, tools, false, "", ""),
            "f[{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]");
}

}  // namespace
}  // namespace hearth::chat::testing
