package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Profile is one named set of settings in the config file. Each key has the
// meaning of the flag of the same name.
type Profile struct {
	AppID           string   `yaml:"app_id"`
	AppSecret       string   `yaml:"app_secret"`
	AppSecretFile   string   `yaml:"app_secret_file"`
	BaseURL         string   `yaml:"base_url"`
	Domain          string   `yaml:"domain"`
	Webhook         string   `yaml:"webhook"`
	WebhookSecret   string   `yaml:"webhook_secret"`
	LogFile         string   `yaml:"log_file"`
	To              []string `yaml:"to"`
	TokenCache      string   `yaml:"token_cache"`
	SpoolDir        string   `yaml:"spool_dir"`
	NotifyOnFailure string   `yaml:"notify_on_failure"`
	NotifySecret    string   `yaml:"notify_secret"`
	MetricsFile     string   `yaml:"metrics_file"`
}

// ConfigFile is the YAML config file: named profiles and the one used when
// no --profile is given.
type ConfigFile struct {
	DefaultProfile string             `yaml:"default_profile"`
	Profiles       map[string]Profile `yaml:"profiles"`
}

// holdsSecret reports whether p holds a credential in clear.
func (p Profile) holdsSecret() bool {
	return p.AppSecret != "" || p.WebhookSecret != "" || p.Webhook != "" || p.NotifySecret != "" ||
		strings.Contains(p.NotifyOnFailure, "/hook/")
}

// defaultConfigPath is $XDG_CONFIG_HOME/feishu-push/config.yaml, or
// ~/.config/feishu-push/config.yaml.
func defaultConfigPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "feishu-push", "config.yaml")
}

// loadProfile reads the config file and returns the selected profile. An
// explicit path that does not exist is an error; the default path is
// optional. warn receives the permission warning.
func loadProfile(path string, explicit bool, name string, warn func(string)) (Profile, error) {
	if path == "" {
		if name != "" {
			return Profile{}, fmt.Errorf("--profile %q given but there is no config file", name)
		}
		return Profile{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			if name != "" {
				return Profile{}, fmt.Errorf("--profile %q given but there is no config file %s", name, path)
			}
			return Profile{}, nil
		}
		return Profile{}, fmt.Errorf("config %s: %v", path, unwrapPathError(err))
	}
	var cf ConfigFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msg = strings.Join(te.Errors, "; ")
		}
		return Profile{}, fmt.Errorf("config %s: %s", path, msg)
	}
	if name == "" {
		name = cf.DefaultProfile
	}
	if name == "" {
		name = "default"
	}
	p, ok := cf.Profiles[name]
	if !ok {
		if name == "default" && cf.DefaultProfile == "" && len(cf.Profiles) == 0 {
			return Profile{}, nil
		}
		names := make([]string, 0, len(cf.Profiles))
		for n := range cf.Profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		return Profile{}, fmt.Errorf("config %s: no profile %q (have: %s)", path, name, strings.Join(names, ", "))
	}
	if p.holdsSecret() {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			warn(fmt.Sprintf("warning: config %s holds a secret and is readable by others (mode %#o); run: chmod 600 %s", path, st.Mode().Perm(), path))
		}
	}
	return p, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
