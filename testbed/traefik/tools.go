//go:build tools

// Package tools pins the Traefik command so `go mod tidy` keeps its dependencies in go.mod and go.sum.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
