package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/feishu-push/feishu-push/pkg/safefile"
)

// profileRef is the profile asked for, and where it was asked for.
type profileRef struct{ name, from string }

// configFile is the YAML config file: named profiles and the one used when
// no --profile is given. A profile's keys are the config keys of the
// settings table, each with the meaning of the flag of the same name.
type configFile struct {
	DefaultProfile string               `yaml:"default_profile"`
	Profiles       map[string]yaml.Node `yaml:"profiles"`
}

// profileValues are a profile's values by config key.
type profileValues map[string]value

// holdsSecret reports whether p holds a credential in clear.
func (p profileValues) holdsSecret() bool {
	for k, v := range p {
		if st := settingByKey(k); st != nil && st.secret && v.text != "" {
			if k == "notify_on_failure" && !strings.Contains(v.text, "/hook/") {
				continue
			}
			return true
		}
	}
	return false
}

func settingByKey(key string) *setting {
	for i := range settings {
		if settings[i].key == key {
			return &settings[i]
		}
	}
	return nil
}

// decodeProfile reads a profile's keys as the settings table declares them.
func decodeProfile(path string, n *yaml.Node) (profileValues, error) {
	out := profileValues{}
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return out, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config %s: line %d: a profile is a mapping of keys", path, n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		st := settingByKey(k.Value)
		if st == nil {
			return nil, fmt.Errorf("config %s: line %d: field %s not found in a profile", path, k.Line, k.Value)
		}
		switch {
		case st.kind == kList && v.Kind == yaml.SequenceNode:
			var list []string
			if err := v.Decode(&list); err != nil {
				return nil, fmt.Errorf("config %s: line %d: %s: want a list of strings", path, v.Line, k.Value)
			}
			out[k.Value] = value{list: list}
		case st.pairs && v.Kind == yaml.MappingNode:
			var list []string
			for j := 0; j+1 < len(v.Content); j += 2 {
				pk, pv := v.Content[j], v.Content[j+1]
				if pv.Kind != yaml.ScalarNode || pv.Value == "" {
					return nil, fmt.Errorf("config %s: line %d: %s: %s: want a command", path, pv.Line, k.Value, pk.Value)
				}
				list = append(list, pk.Value+"="+pv.Value)
			}
			out[k.Value] = value{list: list}
		case st.kind == kList && v.Kind == yaml.ScalarNode:
			out[k.Value] = value{list: []string{v.Value}}
		case v.Kind == yaml.ScalarNode:
			out[k.Value] = value{text: v.Value}
		default:
			return nil, fmt.Errorf("config %s: line %d: %s: want a single value", path, v.Line, k.Value)
		}
	}
	return out, nil
}

// defaultConfigPath is $XDG_CONFIG_HOME/feishu-push/config.yaml, or
// ~/.config/feishu-push/config.yaml.
func defaultConfigPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := first(getenv("HOME"), getenv("USERPROFILE")) // USERPROFILE: Windows
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
func loadProfile(ctx context.Context, path string, explicit bool, ref profileRef, warn func(string)) (profileValues, error) {
	name := ref.name
	if path == "" {
		if name != "" {
			return nil, fmt.Errorf("%s %q given but there is no config file", ref.from, name)
		}
		return nil, nil
	}
	data, err := safefile.ReadFile(ctx, path, safefile.MaxConfig)
	if err != nil {
		if !errors.As(err, new(*safefile.Error)) {
			return nil, err // interrupted
		}
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			if name != "" {
				return nil, fmt.Errorf("%s %q given but there is no config file %s", ref.from, name, path)
			}
			return nil, nil
		}
		return nil, fmt.Errorf("config %s: %v", path, unwrapPathError(err))
	}
	var cf configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msg = strings.Join(te.Errors, "; ")
		}
		return nil, fmt.Errorf("config %s: %s", path, msg)
	}
	if name == "" {
		name = cf.DefaultProfile
	}
	if name == "" {
		name = "default"
	}
	node, ok := cf.Profiles[name]
	if !ok {
		if name == "default" && cf.DefaultProfile == "" && len(cf.Profiles) == 0 {
			return nil, nil
		}
		names := make([]string, 0, len(cf.Profiles))
		for n := range cf.Profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("config %s: no profile %q (have: %s)", path, name, strings.Join(names, ", "))
	}
	p, err := decodeProfile(path, &node)
	if err != nil {
		return nil, err
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
	var se *safefile.Error
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}
