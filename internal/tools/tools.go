//go:build tools

// Package tools pins modules that packages under construction will import.
package tools

import (
	_ "github.com/lib/pq"
	_ "github.com/paulmach/orb"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "github.com/twpayne/go-geom"
	_ "golang.org/x/term"
	_ "golang.org/x/text/encoding/charmap"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
)
