// Package backendpb is the generated Go code for the scalefit backend plugin protocol, scalefit.proto
// (protobuf package scalefit.backend.v1). The rules the messages follow are in scalefit.proto and docs/protocol.md;
// package backends wraps them, so plugin authors in Go never need this package directly.
//
// Regenerate with gen.sh after editing scalefit.proto; the generated files are committed.
package backendpb
