package coverage

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed profiles/*.yaml
var presetFS embed.FS

// Technologies lists every fixed access technology bbplan knows (DESIGN §3).
func Technologies() []string {
	return []string{"fiber", "cable", "dsl", "fwa_licensed", "fwa_unlicensed", "satellite_geo", "satellite_leo", "other"}
}

// Eligibility rules a profile can name.
const (
	// RuleTarget: served when a network meets the target today, planned when
	// one will within the horizon, unserved (eligible) otherwise (PTS).
	RuleTarget = "target"
	// RuleProviders: white (eligible), grey (flagged) or black by the number of
	// providers meeting the target today or within the horizon (EU 2023).
	RuleProviders = "providers"
	// RuleUnderserved: served, underserved or unserved by reliable service
	// available today; unserved and underserved are eligible (BEAD).
	RuleUnderserved = "underserved"
)

// Speed is a fixed service level: download and upload Mbit/s and, when
// MaxLatencyMs is positive, the highest latency that still counts.
type Speed struct {
	DownMbps     float64 `yaml:"down_mbps" json:"down_mbps"`
	UpMbps       float64 `yaml:"up_mbps" json:"up_mbps"`
	MaxLatencyMs float64 `yaml:"max_latency_ms" json:"max_latency_ms"`
}

// Planned says whether operator plans count, and within how many years of the
// analysis date.
type Planned struct {
	Count bool `yaml:"count" json:"count"`
	Years int  `yaml:"years" json:"years"`
}

// MobileTarget is the mobile service level a premise should have; with
// IndoorOnly only indoor coverage polygons count.
type MobileTarget struct {
	DownMbps   float64 `yaml:"down_mbps" json:"down_mbps"`
	IndoorOnly bool    `yaml:"indoor_only" json:"indoor_only"`
}

// Profile is a policy profile: what counts as served and what is eligible
// for support. Presets ship embedded; users write their own with the same keys.
type Profile struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	// Target is the fixed service level that counts as served.
	Target Speed `yaml:"target" json:"target"`
	// Technologies are the fixed technologies whose offers count.
	Technologies []string `yaml:"technologies" json:"technologies"`
	Planned      Planned  `yaml:"planned" json:"planned"`
	// Tiers are the download speeds (Mbit/s) reported, highest first.
	Tiers  []int        `yaml:"tiers" json:"tiers"`
	Mobile MobileTarget `yaml:"mobile" json:"mobile"`
	// Rule is the eligibility rule: target, providers or underserved.
	Rule string `yaml:"rule" json:"rule"`
	// Unserved is the lower service level of the underserved rule.
	Unserved Speed `yaml:"unserved" json:"unserved"`
	// ExcludeSettlements makes premises inside urban settlements ineligible.
	ExcludeSettlements bool `yaml:"exclude_settlements" json:"exclude_settlements"`
	// Source is the preset name or the file the profile came from.
	Source string `yaml:"-" json:"source"`
}

// Presets returns the names of the embedded profiles, sorted.
func Presets() []string {
	entries, _ := presetFS.ReadDir("profiles")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// LoadProfile returns the preset called nameOrFile or, when the argument ends
// in .yaml or .yml, the profile in that file.
func LoadProfile(nameOrFile string) (Profile, error) {
	ext := strings.ToLower(path.Ext(nameOrFile))
	if ext == ".yaml" || ext == ".yml" {
		f, err := os.Open(nameOrFile)
		if err != nil {
			return Profile{}, fmt.Errorf("profile: %w", err)
		}
		defer f.Close()
		return ParseProfile(f, nameOrFile)
	}
	b, err := presetFS.ReadFile("profiles/" + nameOrFile + ".yaml")
	if err != nil || strings.ContainsAny(nameOrFile, "/\\") {
		return Profile{}, fmt.Errorf("profile %q: unknown; presets are %s, or give a .yaml file", nameOrFile, strings.Join(Presets(), ", "))
	}
	return ParseProfile(bytes.NewReader(b), nameOrFile)
}

// ParseProfile reads a profile from r; source names it in errors. Unknown
// keys, wrong types and impossible values are refused with the key named.
func ParseProfile(r io.Reader, source string) (Profile, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return Profile{}, fmt.Errorf("profile %s: empty file (presets are %s)", source, strings.Join(Presets(), ", "))
		}
		return Profile{}, fmt.Errorf("profile %s: %w (presets are %s)", source, err, strings.Join(Presets(), ", "))
	}
	p.Source = source
	if p.Name == "" {
		p.Name = strings.TrimSuffix(path.Base(source), path.Ext(source))
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", source, err)
	}
	return p, nil
}

// Validate refuses impossible values, naming the key.
func (p Profile) Validate() error {
	speed := func(key string, s Speed) error {
		switch {
		case s.DownMbps <= 0:
			return fmt.Errorf("%s.down_mbps: %v must be positive", key, s.DownMbps)
		case s.UpMbps <= 0:
			return fmt.Errorf("%s.up_mbps: %v must be positive", key, s.UpMbps)
		case s.MaxLatencyMs < 0:
			return fmt.Errorf("%s.max_latency_ms: %v must not be negative (0 = no limit)", key, s.MaxLatencyMs)
		}
		return nil
	}
	if err := speed("target", p.Target); err != nil {
		return err
	}
	if len(p.Technologies) == 0 {
		return fmt.Errorf("technologies: empty; name at least one of %s", strings.Join(Technologies(), ", "))
	}
	for _, t := range p.Technologies {
		if !contains(Technologies(), t) {
			return fmt.Errorf("technologies: %q is not one of %s", t, strings.Join(Technologies(), ", "))
		}
	}
	if p.Planned.Years < 0 {
		return fmt.Errorf("planned.years: %d must not be negative", p.Planned.Years)
	}
	for i, t := range p.Tiers {
		if t <= 0 {
			return fmt.Errorf("tiers[%d]: %d must be positive", i, t)
		}
		if i > 0 && t >= p.Tiers[i-1] {
			return fmt.Errorf("tiers[%d]: %d must be below the tier before it (%d): list tiers highest first", i, t, p.Tiers[i-1])
		}
	}
	if p.Mobile.DownMbps <= 0 {
		return fmt.Errorf("mobile.down_mbps: %v must be positive", p.Mobile.DownMbps)
	}
	switch p.Rule {
	case RuleTarget, RuleProviders:
	case RuleUnderserved:
		if err := speed("unserved", p.Unserved); err != nil {
			return err
		}
	default:
		return fmt.Errorf("rule: %q is not %s, %s or %s", p.Rule, RuleTarget, RuleProviders, RuleUnderserved)
	}
	return nil
}

// Classes lists the classes the profile's rule gives, eligible ones marked.
func (p Profile) Classes() []string {
	switch p.Rule {
	case RuleProviders:
		return []string{"white", "grey", "black"}
	case RuleUnderserved:
		return []string{"unserved", "underserved", "served"}
	default:
		return []string{"unserved", "planned", "served"}
	}
}

// EligibleClasses lists the classes the profile's rule makes eligible
// (before the settlement exclusion).
func (p Profile) EligibleClasses() []string {
	switch p.Rule {
	case RuleProviders:
		return []string{"white"}
	case RuleUnderserved:
		return []string{"unserved", "underserved"}
	default:
		return []string{"unserved"}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
