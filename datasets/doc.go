// Package datasets holds what scalefit feeds to models and compares against: the embedded evaluation corpus,
// loaders for token-id and text files, the cutting of token streams into sequences, a registry of model sizes and
// the published reference results (the seed's Pythia numbers). The tokenizer (byte-level and SentencePiece-style
// BPE, as Hugging Face runs tokenizer.json) is in the subpackage tokenizer.
package datasets
