package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/funding"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is bbplan's whole configuration. It is loaded once, in loadConfig,
// from flags > BBPLAN_* environment > YAML file > these defaults, and passed
// down explicitly.
type Config struct {
	Database DatabaseConfig          `mapstructure:"database" json:"database"`
	Server   ServerConfig            `mapstructure:"server" json:"server"`
	Load     LoadConfig              `mapstructure:"load" json:"load"`
	Analysis coverage.AnalysisParams `mapstructure:"analysis" json:"analysis"`
	Cost     funding.CostParams      `mapstructure:"cost" json:"cost"`
	Log      LogConfig               `mapstructure:"log" json:"log"`
}

// DatabaseConfig says where the database is.
type DatabaseConfig struct {
	// URL of an existing PostgreSQL + PostGIS server. Empty: bbplan runs its own cluster in DataDir.
	URL string `mapstructure:"url" json:"url" secret:"true"`
	// DataDir of the managed cluster.
	DataDir string `mapstructure:"data_dir" json:"data_dir"`
	// Name of the database on the managed cluster.
	Name string `mapstructure:"name" json:"name"`
	// Port of the managed cluster; a TCP port only with ListenAddresses.
	Port int `mapstructure:"port" json:"port"`
	// ListenAddresses for TCP on the managed cluster; empty means unix socket only.
	ListenAddresses string `mapstructure:"listen_addresses" json:"listen_addresses"`
	// SRID is the working CRS, fixed when the database is first migrated.
	SRID int `mapstructure:"srid" json:"srid"`
}

// ServerConfig holds `bbplan serve` settings. Limits are ceilings.
type ServerConfig struct {
	Addr              string        `mapstructure:"addr" json:"addr"`
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout" json:"read_header_timeout"`
	ReadTimeout       time.Duration `mapstructure:"read_timeout" json:"read_timeout"`
	WriteTimeout      time.Duration `mapstructure:"write_timeout" json:"write_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout" json:"idle_timeout"`
	ShutdownTimeout   time.Duration `mapstructure:"shutdown_timeout" json:"shutdown_timeout"`
	StatementTimeout  time.Duration `mapstructure:"statement_timeout" json:"statement_timeout"`
	MaxConns          int           `mapstructure:"max_conns" json:"max_conns"`
	DefaultLimit      int           `mapstructure:"default_limit" json:"default_limit"`
	MaxLimit          int           `mapstructure:"max_limit" json:"max_limit"`
	MaxBodyBytes      int64         `mapstructure:"max_body_bytes" json:"max_body_bytes"`
	MaxBBoxKm2        float64       `mapstructure:"max_bbox_km2" json:"max_bbox_km2"`
	MinZoom           int           `mapstructure:"min_zoom" json:"min_zoom"`
	MaxZoom           int           `mapstructure:"max_zoom" json:"max_zoom"`
	// PremiseMinZoom is the lowest zoom at which premise tiles carry points;
	// below it they carry aggregated cells.
	PremiseMinZoom int `mapstructure:"premise_min_zoom" json:"premise_min_zoom"`
	// Anonymous lets requests without a token read aggregates.
	Anonymous bool `mapstructure:"anonymous" json:"anonymous"`
}

// LoadConfig holds `bbplan load` defaults.
type LoadConfig struct {
	// MaxErrors is how many bad rows a load tolerates (written to --rejects); 0 stops at the first.
	MaxErrors int `mapstructure:"max_errors" json:"max_errors"`
	// RepairInvalid repairs invalid polygons with ST_MakeValid (counted); false rejects them.
	RepairInvalid bool `mapstructure:"repair_invalid" json:"repair_invalid"`
	// ProgressInterval is how often a non-terminal load logs its progress.
	ProgressInterval time.Duration `mapstructure:"progress_interval" json:"progress_interval"`
}

// LogConfig sets the stderr log.
type LogConfig struct {
	Level  string `mapstructure:"level" json:"level"`   // debug, info, warn, error
	Format string `mapstructure:"format" json:"format"` // text or json
}

// defaultConfig returns the documented defaults.
func defaultConfig() Config {
	return Config{
		Database: DatabaseConfig{DataDir: ".bbplan/pg", Name: "bbplan", Port: 5432, SRID: 3006},
		Server: ServerConfig{
			Addr:              "127.0.0.1:8080",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   20 * time.Second,
			StatementTimeout:  15 * time.Second,
			MaxConns:          16,
			DefaultLimit:      100,
			MaxLimit:          10000,
			MaxBodyBytes:      1 << 20,
			MaxBBoxKm2:        250000,
			MinZoom:           0,
			MaxZoom:           18,
			PremiseMinZoom:    11,
		},
		Load:     LoadConfig{MaxErrors: 0, RepairInvalid: true, ProgressInterval: 5 * time.Second},
		Analysis: coverage.DefaultAnalysisParams(),
		Cost:     funding.DefaultCostParams(),
		Log:      LogConfig{Level: "info", Format: "text"},
	}
}

// DataOptions are the database options for the data package.
func (c Config) DataOptions() data.Options {
	return data.Options{URL: c.Database.URL, DataDir: c.Database.DataDir, Port: c.Database.Port,
		ListenAddresses: c.Database.ListenAddresses, Database: c.Database.Name, SRID: c.Database.SRID}
}

// configKeys lists every leaf key of Config with its default value, in the
// dotted form viper and BBPLAN_* variables use.
func configKeys(v any) map[string]any {
	keys := map[string]any{}
	walkConfig(v, func(key string, _ reflect.StructField, val any) { keys[key] = val })
	return keys
}

// walkConfig calls fn for every leaf field of the configuration struct v with
// its dotted key, its field (for tags) and its value.
func walkConfig(v any, fn func(key string, f reflect.StructField, val any)) {
	var walk func(prefix string, rv reflect.Value)
	walk = func(prefix string, rv reflect.Value) {
		rt := rv.Type()
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			key := f.Tag.Get("mapstructure")
			if key == "" || key == "-" {
				continue
			}
			if prefix != "" {
				key = prefix + "." + key
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
				walk(key, rv.Field(i))
				continue
			}
			fn(key, f, rv.Field(i).Interface())
		}
	}
	walk("", reflect.ValueOf(v))
}

// flagKeys binds command-line flags to configuration keys.
type flagKeys map[string]string // flag name -> config key

// loadConfig builds the effective configuration. file is the --config value;
// empty means bbplan.yaml in the working directory if it exists.
func loadConfig(file string, flags *pflag.FlagSet, bind flagKeys) (Config, *viper.Viper, error) {
	def := defaultConfig()
	v := viper.New()
	// Every key gets a default so that AutomaticEnv sees env-only keys in
	// Unmarshal (viper only reads the environment for keys it knows).
	known := configKeys(def)
	for k, val := range known {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("BBPLAN")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	explicit := file != ""
	if file == "" {
		file = "bbplan.yaml"
	}
	if _, err := os.Stat(file); err == nil {
		fv := viper.New()
		fv.SetConfigFile(file)
		fv.SetConfigType("yaml")
		if err := fv.ReadInConfig(); err != nil {
			return def, nil, fmt.Errorf("config file %s: %w", file, err)
		}
		var unknown []string
		for _, k := range fv.AllKeys() {
			if _, ok := known[k]; !ok {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return def, nil, fmt.Errorf("config file %s: unknown key %s (see `bbplan config` for the keys)", file, strings.Join(unknown, ", "))
		}
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return def, nil, fmt.Errorf("config file %s: %w", file, err)
		}
	} else if explicit {
		return def, nil, fmt.Errorf("config file %s: %w", file, err)
	}
	if flags != nil {
		for name, key := range bind {
			if f := flags.Lookup(name); f != nil {
				if err := v.BindPFlag(key, f); err != nil {
					return def, nil, err
				}
			}
		}
	}
	var cfg Config
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	})
	if err != nil {
		return def, nil, fmt.Errorf("configuration: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return def, nil, err
	}
	return cfg, v, nil
}

// validate rejects values that decode but make no sense, naming the key.
func (c Config) validate() error {
	switch {
	case c.Database.SRID <= 0:
		return fmt.Errorf("database.srid: %d is not an EPSG code", c.Database.SRID)
	case c.Database.URL == "" && c.Database.DataDir == "":
		return errors.New("database.data_dir: empty, and no database.url is set")
	case c.Server.MaxLimit <= 0 || c.Server.DefaultLimit <= 0 || c.Server.DefaultLimit > c.Server.MaxLimit:
		return fmt.Errorf("server.default_limit (%d) must be positive and at most server.max_limit (%d)", c.Server.DefaultLimit, c.Server.MaxLimit)
	case c.Log.Format != "text" && c.Log.Format != "json":
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	return nil
}

// masked returns the configuration as a flat key -> value map with secrets hidden.
func (c Config) masked() map[string]any {
	out := map[string]any{}
	walkConfig(c, func(key string, f reflect.StructField, val any) {
		switch v := val.(type) {
		case string:
			if f.Tag.Get("secret") == "true" && v != "" {
				val = data.RedactDSN(v)
			}
		case time.Duration:
			val = v.String()
		}
		out[key] = val
	})
	return out
}
