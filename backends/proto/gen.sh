#!/bin/sh
# gen.sh regenerates the Go code for scalefit.proto. The generated files are committed, so a build needs no protoc.
#
# Needs protoc 3.21.12 (apt-get install protobuf-compiler) and, on PATH:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
set -eu
cd "$(dirname "$0")/../.."
PATH="$(go env GOPATH)/bin:$PATH"
protoc --proto_path=. \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	backends/proto/scalefit.proto
