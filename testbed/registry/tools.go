//go:build tools

// Package tools pins the registry command so `go mod tidy` keeps its dependencies in go.mod and go.sum.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
